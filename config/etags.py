"""Conditional GETs for pages that mix release-time content with a reader's own state.

Django's ConditionalGetMiddleware hashes the body, which never matches here: every page carries a freshly masked
CSRF token. Instead the ETag is a hash of what the page is built from: the content version, the reader (who they
are, the name and links the header shows, their CSRF secret, which the page's forms are masked from) and whatever
the view adds (progress). Same inputs, same page, so a 304 is safe. Pages never get Last-Modified: progress can
change without a release, and a client sending only If-Modified-Since would keep a stale copy.
"""

import hashlib

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.cache import get_conditional_response, patch_cache_control, patch_vary_headers

from accounts.names import display_name
from config.reader_pages import cacheable


def page_etag(request: HttpRequest, *parts: object) -> str | None:
    """The ETag of a page built from `parts` for this reader, or None when the page must be rendered afresh
    (a message is waiting to be shown once, or the browser has no CSRF cookie yet to mask the forms' tokens from)."""
    csrf_secret = request.COOKIES.get(settings.CSRF_COOKIE_NAME)
    if not csrf_secret or not cacheable(request):
        return None
    user = request.user
    # The header's links follow permissions: all of them, from the one cached lookup (accounts.backends).
    reader = (user.pk, display_name(user), sorted(user.get_all_permissions())) if user.is_authenticated else ()
    return etag_of(reader=reader, csrf_secret=csrf_secret, session_key=request.session.session_key, parts=parts)


def etag_of(*, reader: tuple, csrf_secret: str, session_key: str | None, parts: tuple) -> str:
    key = repr((reader, csrf_secret, session_key, parts)).encode()
    return '"' + hashlib.blake2b(key, digest_size=16).hexdigest() + '"'


def not_modified(request: HttpRequest, etag: str | None) -> HttpResponse | None:
    """A 304 when the browser's copy has this ETag, else None."""
    if etag is None:
        return None
    response = get_conditional_response(request, etag=etag)
    if response is not None:
        mark_personal(response, etag)
    return response


def mark_personal(response: HttpResponse, etag: str | None) -> HttpResponse:
    """Browsers may keep the page but must ask again each time (it carries progress); shared caches may not keep it."""
    if etag is not None:
        response["ETag"] = etag
    patch_cache_control(response, private=True, no_cache=True)
    patch_vary_headers(response, ["Cookie"])
    return response
