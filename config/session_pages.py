"""A page served again from the cache without running the session, CSRF and authentication middleware or the view.

Reading a cached page the usual way (config.reader_pages) still costs Django's whole request: the session loaded and
decoded, the user and their prefetch read, the URL resolved, the view and every middleware run. For the pages a
learner reloads most (lesson, syllabus, home) that is most of the time the server spends. So when a view answers
with a page it offers (`config.reader_pages.offer_page`; `personal_page` does for signed-in readers), this
middleware also stores the finished response for the next identical request, with what it was built from:

- *A session's page* (the request had a session cookie) is stored per browser session and request (session cookie,
  CSRF cookie, every other cookie, host, scheme, path and query, htmx headers). It depends on the session's own
  value and on every cache entry the request read about its reader (config.reader_prefetch: the user row,
  permissions, page generations, pacing, the content version).
- *An anonymous page* (no session: the anonymous lesson, the same for every such reader) is shared by everyone
  sending the same request, whatever their CSRF cookie; each gets their own ETag and forms' token.

The next identical request reads those values (and the entry, unless this process has it at hand: `RecentPages`)
and gets the stored response only if every one is unchanged. Anything that changes a page already rewrites
one of them (progress and scores rewrite the reader's generation, a release the content version, a logout or a new
message the session, a password change or a deactivation the user row), so a stored page is used exactly as long as
the page it would render is the same. Any doubt (a message cookie, a malformed CSRF cookie, a method other than GET)
goes the usual way.

Needs sessions in the cache (the `cached_db` engine, the default): the session's value is one of the dependencies.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import Morsel
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.cache import get_conditional_response

from config.cache import decode_many, get_many_encoded
from config.etags import etag_of
from config.reader_pages import CSRF_SLOT, ENTRY_TIMEOUT, OfferedPage, offered_page
from config.reader_prefetch import ABSENT, prefetched

# What a response is and shows besides its body: htmx headers choose a partial, the rest name the page.
_HTMX_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_BOOSTED", "HTTP_HX_TRIGGER", "HTTP_HX_TRIGGER_NAME")
_ALLOWED_CSRF_CHARS = frozenset(CSRF_ALLOWED_CHARS)


@dataclass(frozen=True)
class StoredPage:
    # The page's UTF-8 bytes cut where the forms' token goes (config.reader_pages.CSRF_SLOT): joined with a token.
    body: tuple[bytes, ...]
    headers: list[tuple[str, str]]
    # The CSRF cookie, when the page renewed its expiry (Django does whenever a page uses the token).
    cookies: dict[str, Morsel]
    # Cache key -> the entry the page was built from as `config.cache.get_many_encoded` reads it (ABSENT: none), so
    # telling it unchanged decodes nothing.
    depends_on: dict[str, Any]
    # A page shared by anonymous readers: each gets an ETag of their own from these parts (config.etags).
    anonymous_etag_parts: tuple | None
    fresh_until: float | None  # epoch seconds: not served after (the page shows the clock's effects)


class SessionPageMiddleware:
    """Sits right after WhiteNoise: what runs outside it (the request id, the security headers) runs for a stored
    page too; everything inside is what a stored page spares. The Content-Security-Policy header, written inside
    (by django-csp, with the LTI frame's origins for a session launched from a platform), is stored with the page:
    a deploy that changes it is a release, whose new content version every stored page depends on."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = (
            settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
            and settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = entry_key(request) if self.enabled else None
        if key is not None and (stored := read(key)) is not None:
            return respond(request, stored)
        response = self.get_response(request)
        if key is not None and (offered := offered_page(request)) is not None:
            store(key, offered, request, response)
        return response


def entry_key(request: HttpRequest) -> str | None:
    """The key of this request's stored page, or None when the request may not have one. A session's pages are its
    own (the key holds its cookie); without a session, every reader sending the same request shares one."""
    cookies = request.COOKIES
    csrf_secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
    if (
        request.method != "GET"
        or CookieStorage.cookie_name in cookies  # a message waits to be shown once
        or len(csrf_secret) != CSRF_SECRET_LENGTH
        or not _ALLOWED_CSRF_CHARS.issuperset(csrf_secret)
    ):
        return None
    meta = request.META
    in_session = settings.SESSION_COOKIE_NAME in cookies
    parts = (
        sorted(cookies.items())
        if in_session
        else sorted(item for item in cookies.items() if item[0] != settings.CSRF_COOKIE_NAME),
        meta.get("HTTP_HOST", ""),
        request.is_secure(),
        request.get_full_path(),
        [meta.get(name, "") for name in _HTMX_HEADERS],
    )
    kind = "session" if in_session else "anonymous"
    return f"readers:{kind}-page:" + hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()


class RecentPages:
    """The pages this process stored or served lately, up to a total size, least recently used dropped first: serving
    one again checks only its dependencies (a dozen small entries) instead of also fetching and unpickling its 40 KB
    from the cache. A page kept here is as good as the shared entry as long as those are unchanged: the entry, too,
    only ever holds the page built from them. Threads share it, so each step holds the lock."""

    def __init__(self, max_bytes: int) -> None:
        self.max_bytes = max_bytes
        self._pages: OrderedDict[str, StoredPage] = OrderedDict()
        self._sizes: dict[str, int] = {}
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: str) -> StoredPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is not None:
                self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: StoredPage) -> None:
        size = sum(len(part) for part in page.body)
        with self._lock:
            self._forget(key)
            self._pages[key], self._sizes[key] = page, size
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._forget(next(iter(self._pages)))

    def discard(self, key: str) -> None:
        with self._lock:
            self._forget(key)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()
            self._sizes.clear()
            self._bytes = 0

    def _forget(self, key: str) -> None:
        if self._pages.pop(key, None) is not None:
            self._bytes -= self._sizes.pop(key)


# About 400 lessons per web process: a full room's pages, each reader's one or two.
recent_pages = RecentPages(max_bytes=16 * 1024 * 1024)


def read(key: str) -> StoredPage | None:
    """The page stored under `key` if everything it was built from is unchanged."""
    recent = recent_pages.get(key)
    if recent is not None:
        if still_good(recent):
            return recent
        recent_pages.discard(key)  # another process may have stored the page built from the new values
    encoded = get_many_encoded([key]).get(key)
    stored = decode_many({key: encoded})[key] if encoded is not None else None
    if not isinstance(stored, StoredPage) or not still_good(stored):
        return None
    recent_pages.put(key, stored)
    return stored


def still_good(stored: StoredPage) -> bool:
    if stored.fresh_until is not None and time.time() >= stored.fresh_until:
        return False
    current = get_many_encoded(list(stored.depends_on))
    return all(current.get(dependency, ABSENT) == value for dependency, value in stored.depends_on.items())


def respond(request: HttpRequest, stored: StoredPage) -> HttpResponse:
    csrf_secret = request.COOKIES[settings.CSRF_COOKIE_NAME]
    response = HttpResponse(masked_csrf_token(csrf_secret).encode().join(stored.body))
    for name, value in stored.headers:
        response[name] = value
    if stored.anonymous_etag_parts is not None:
        response["ETag"] = etag_of(
            reader=(), csrf_secret=csrf_secret, session_key=None, parts=stored.anonymous_etag_parts
        )
    for name, morsel in stored.cookies.items():
        response.cookies[name] = morsel
    response["Content-Length"] = str(len(response.content))
    if etag := response.get("ETag"):
        return get_conditional_response(request, etag=etag, response=response) or response
    return response


_CSRF_CHAR_INDEX = {char: index for index, char in enumerate(CSRF_ALLOWED_CHARS)}
# Random bytes below this are an unbiased pick among the allowed characters (248 = 4 × 62).
_CSRF_UNBIASED_BELOW = 256 - 256 % len(CSRF_ALLOWED_CHARS)


def masked_csrf_token(secret: str) -> str:
    """A token for `secret` as Django's `get_token` makes one (a fresh random mask, then the secret's characters
    shifted by the mask's; CsrfViewMiddleware unmasks it), from one read of the system's random source: Django reads
    it once per character, about a tenth of a millisecond, which was a tenth of a stored page's time."""
    alphabet, count = CSRF_ALLOWED_CHARS, len(CSRF_ALLOWED_CHARS)
    mask: list[int] = []
    while len(mask) < CSRF_SECRET_LENGTH:
        mask += [byte % count for byte in secrets.token_bytes(48) if byte < _CSRF_UNBIASED_BELOW]
    mask = mask[:CSRF_SECRET_LENGTH]
    cipher = (alphabet[(_CSRF_CHAR_INDEX[char] + shift) % count] for char, shift in zip(secret, mask, strict=True))
    return "".join(alphabet[shift] for shift in mask) + "".join(cipher)


def store(key: str, offered: OfferedPage, request: HttpRequest, response: HttpResponse) -> None:
    session = getattr(request, "session", None)
    user = getattr(request, "user", None)
    if (
        response.status_code != 200
        or response.streaming
        or session is None
        or session.modified
        or session.session_key != request.COOKIES.get(settings.SESSION_COOKIE_NAME)
        or user is None
        or not only_csrf_renewed(request, response)
    ):
        return
    built_from = dict(offered.depends_on)
    if session.session_key is not None:
        built_from[session.cache_key] = dict(session.items())
    depends_on = unchanged_entries(built_from)
    if depends_on is None:
        return
    if user.is_authenticated:
        read = prefetched(user)
        if read is None:
            return
        depends_on.update(read)
    elif offered.anonymous_etag_parts is None and session.session_key is None:
        return  # not offered as the same page for every anonymous reader
    shared = session.session_key is None
    headers = [
        (name, value)
        for name, value in response.items()
        if name != "Content-Length" and not (shared and name == "ETag")
    ]
    # A shared page renews nobody's CSRF cookie: the one set now is this reader's.
    cookies = {} if shared else dict(response.cookies.items())
    etag_parts = offered.anonymous_etag_parts if shared else None
    timeout = ENTRY_TIMEOUT
    if offered.fresh_until is not None:
        timeout = min(timeout, int(offered.fresh_until - time.time()) + 1)
    body = tuple(part.encode() for part in offered.body.split(CSRF_SLOT))
    stored = StoredPage(body, headers, cookies, depends_on, etag_parts, offered.fresh_until)
    cache.set(key, stored, timeout=timeout)
    recent_pages.put(key, stored)


def unchanged_entries(built_from: dict[str, Any]) -> dict[str, Any] | None:
    """The cache's entries for `built_from` (key -> the value the page was built from) as `get_many_encoded` reads
    them, or None when one of them holds something else now (the page may already be out of date)."""
    encoded = get_many_encoded(list(built_from))
    values = decode_many(encoded)
    if any(values.get(key, ABSENT) != value for key, value in built_from.items()):
        return None
    return {key: encoded.get(key, ABSENT) for key in built_from}


def only_csrf_renewed(request: HttpRequest, response: HttpResponse) -> bool:
    """The response sets no cookie but the CSRF cookie, unchanged (a new secret, a remembered lesson: not replayed)."""
    name = settings.CSRF_COOKIE_NAME
    return set(response.cookies) <= {name} and (
        name not in response.cookies or response.cookies[name].value == request.COOKIES.get(name)
    )
