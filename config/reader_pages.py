"""Pages cached whole: per release for anonymous readers, per reader for signed-in ones.

A syllabus or a lesson is mostly release-time content plus a few things about the reader (their name and links in
the header, what they finished, their best scores, what their instructor keeps locked). Rendering it costs
milliseconds of template work; reading it back from the shared cache costs one round trip. Every page is rendered
with a slot in place of the CSRF token (one masked value for all its forms) and the slot is filled with this
request's token on the way out, so no stored page holds a session's token. A page with a message waiting to be
shown once is never cached (`cacheable`).

*Anonymous readers* share pages: their progress lives in their session, so a lesson has two anonymous pages per
release (finished or not), rendered without a request (`render_anonymous`) and memoised per content version by
the caller (courses.release.per_release).

*Signed-in readers* each have their own, in the shared cache under a key that holds everything the page is built
from, so an entry is never wrong, only unused (`page_key`):

- the content version (a release makes every page new);
- the reader's *generation*, a token rewritten whenever something about them that a page shows changes: each app
  calls `reader_changed(user_id)` from its own signals (progress, attempts, scorecards, the user row);
- *shared generations* that apps register for changes that touch many readers at once (a permission granted to a
  group, a lock opened for a cohort);
- the page itself (its name, path and query, the htmx target of a partial request) and the session's auth hash.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth import HASH_SESSION_KEY
from django.contrib.auth.models import AnonymousUser
from django.contrib.messages import get_messages
from django.core.cache import cache
from django.db import transaction
from django.http import HttpRequest
from django.middleware.csrf import get_token
from django.template.loader import render_to_string

from config.reader_prefetch import reader_get_many, register_reader_keys

ENTRY_TIMEOUT = 6 * 3600
# Letters only, so template escaping leaves it whole in attributes and hidden inputs alike.
CSRF_SLOT = "pagecachecsrftokenslot"
_shared_generations: list[str] = []


def cacheable(request: HttpRequest) -> bool:
    """No message is waiting to be shown once (a cached page has none in it)."""
    return not len(get_messages(request))


def with_csrf(html: str, request: HttpRequest) -> str:
    return html.replace(CSRF_SLOT, get_token(request))


def render_anonymous(template: str, context: dict, *, path: str) -> str:
    """The page as any anonymous reader sees it, rendered without a request (no context processor runs, so nothing
    of the request that happens to build it can get in): fill the CSRF slot with `with_csrf` when serving it."""
    request = HttpRequest()
    request.path = path
    anonymous = {"user": AnonymousUser(), "request": request, "messages": (), "csrf_token": CSRF_SLOT}
    return render_to_string(template, {**context, **anonymous})


def reader_generation_key(user_id: int) -> str:
    return f"readers:generation:{user_id}"


def generation_bump(key: str) -> None:
    """Write a new token under a generation key: now, so this transaction's next read is fresh, and after commit, so
    whatever was built from rows read in between is dropped too (the rule courses.release follows for versions)."""
    cache.set(key, secrets.token_hex(8), timeout=None)
    transaction.on_commit(lambda: cache.set(key, secrets.token_hex(8), timeout=None))


def reader_changed(user_id: int | None) -> None:
    """Something about this reader that a page shows has changed: their cached pages are not used again."""
    if user_id is not None:
        generation_bump(reader_generation_key(user_id))


def generation_keys(user_id: int) -> list[str]:
    return [reader_generation_key(user_id), *_shared_generations]


register_reader_keys(generation_keys)


def register_shared_generation(key: str) -> None:
    """A cache key whose value changes when something many readers' pages show changes (set by its owner)."""
    if key not in _shared_generations:
        _shared_generations.append(key)


def page_key(request: HttpRequest, *, name: str, version: str, also: tuple = ()) -> str | None:
    """The cache key of this reader's page, or None when it must not be cached (not signed in, a message waiting,
    no CSRF cookie yet, or a generation missing from the cache: before its first use or after the cache was emptied).
    `also`: whatever else the page is built from (a cookie it reads, the minute when it shows the clock's effects)."""
    user = request.user
    if not user.is_authenticated or not cacheable(request) or settings.CSRF_COOKIE_NAME not in request.COOKIES:
        return None
    keys = generation_keys(user.pk)
    generations = reader_get_many(user, keys)
    if len(generations) < len(keys):
        # First use, or the cache was emptied: any new token will do (add, so one written meanwhile wins).
        for key in keys:
            if key not in generations:
                cache.add(key, secrets.token_hex(8), timeout=None)
        generations = cache.get_many(keys)
        if len(generations) < len(keys):  # the cache is unreachable
            return None
    htmx_target = request.headers.get("HX-Target", "") if request.headers.get("HX-Request") else ""
    parts = (
        name,
        request.get_full_path(),
        htmx_target,
        user.pk,
        # The session's auth hash: a password change signs the session out, and its page goes with it.
        request.session.get(HASH_SESSION_KEY, ""),
        version,
        [generations[key] for key in keys],
        also,
    )
    return "readers:page:" + hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


def personal_page(
    request: HttpRequest,
    *,
    key: str | None,
    template: str,
    context: Callable[[], dict],
    fresh_until: float | None = None,
) -> str:
    """`template` rendered with `context()` for this reader, read from the cache under `key` (from `page_key`) when
    it is there, stored there when it is not; rendered afresh each time when `key` is None. `fresh_until`: the
    time (epoch seconds) after which the page may differ though nothing it was built from changed (the clock).

    The page is rendered with a slot for the CSRF token (every form's token is then one masked value, filled in on
    the way out), so the stored body holds no session's token."""
    html = cache.get(key) if key is not None else None
    if html is None:
        html = render_to_string(template, {**context(), "csrf_token": CSRF_SLOT}, request)
        if key is not None:
            cache.set(key, html, timeout=ENTRY_TIMEOUT)
    if key is not None:
        offer_page(request, html, fresh_until=fresh_until)
    return with_csrf(html, request)


@dataclass(frozen=True)
class OfferedPage:
    body: str  # with CSRF_SLOT unfilled
    # The cache entries it was built from besides the reader's own (config.reader_prefetch reads those), with the
    # values it was built from.
    depends_on: dict[str, Any]
    # An anonymous page without a session: the same for every such reader, so it is shared, and its ETag parts
    # (config.etags.page_etag) let each reader get their own ETag.
    anonymous_etag_parts: tuple | None
    fresh_until: float | None  # epoch seconds: the page shows the clock's effects (a deadline passing)


def offer_page(
    request: HttpRequest,
    body: str,
    *,
    depends_on: dict[str, Any] | None = None,
    anonymous_etag_parts: tuple | None = None,
    fresh_until: float | None = None,
) -> None:
    """This request is answered with `body` (CSRF slot unfilled), which nothing but what the reader's session and
    `depends_on` hold went into (and, with `fresh_until`, the clock until then): config.session_pages may answer
    the next identical request with it."""
    offered = OfferedPage(body, depends_on or {}, anonymous_etag_parts, fresh_until)
    request._offered_page = offered  # type: ignore[attr-defined]


def offered_page(request: HttpRequest) -> OfferedPage | None:
    return getattr(request, "_offered_page", None)
