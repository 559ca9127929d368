"""A page served again from the cache before Django runs: no request object, session, authentication, middleware
or view.

Reading a cached page the usual way (config.reader_pages) still costs Django's whole request: the session loaded and
decoded, the user and their prefetch read, the URL resolved, the view and every middleware run. For the pages a
learner reloads most (lesson, syllabus, home) that is most of the time the server spends. So when a view answers
with a page it offers (`config.reader_pages.offer_page`; `personal_page` does for signed-in readers),
`SessionPageMiddleware` stores the finished response for the next identical request, with what it was built from,
and the WSGI application gunicorn runs (`StoredPageFront`, config.wsgi) answers that request with it:

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
the page it would render is the same. Any doubt (a message cookie, a malformed CSRF cookie, a method other than GET,
a precondition other than If-None-Match) goes to Django.

Needs sessions in the cache (the `cached_db` engine, the default): the session's value is one of the dependencies.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.http import HttpRequest, HttpResponse
from django.http.cookie import parse_cookie
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH
from django.utils.http import parse_etags

from config.cache import decode_many, get_many_encoded
from config.etags import etag_of
from config.reader_pages import CSRF_SLOT, ENTRY_TIMEOUT, OfferedPage, offered_page
from config.reader_prefetch import ABSENT, prefetched
from config.request_id import request_id_for

_ALLOWED_CSRF_CHARS = frozenset(CSRF_ALLOWED_CHARS)
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class StoredPage:
    # The page's UTF-8 bytes cut where the forms' token goes (config.reader_pages.CSRF_SLOT): joined with a token.
    body: tuple[bytes, ...]
    # As Django sent them, a renewed CSRF cookie's Set-Cookie among them; without the request id, the length and
    # (shared pages) the ETag, which each request gets its own of.
    headers: list[tuple[str, str]]
    # Cache key -> the entry the page was built from as `config.cache.get_many_encoded` reads it (ABSENT: none), so
    # telling it unchanged decodes nothing.
    depends_on: dict[str, Any]
    # A page shared by anonymous readers: each gets an ETag of their own from these parts (config.etags).
    anonymous_etag_parts: tuple | None
    fresh_until: float | None  # epoch seconds: not served after (the page shows the clock's effects)


class StoredPageFront:
    """The WSGI application gunicorn runs (config.wsgi): a request that has a stored page still good gets it before
    Django runs at all (its request object, signals, middleware: half a stored page's time); any other goes on to
    Django, whose SessionPageMiddleware stores what the view offered."""

    def __init__(self, application: Callable) -> None:
        self.application = application

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        try:
            served = serve(environ)
        except Exception:  # a stored page is only ever a shortcut: Django answers whatever went wrong with it
            log.exception("stored page not served")
            served = None
        if served is None:
            return self.application(environ, start_response)
        status, headers, body = served
        start_response(status, headers)
        return [body]


class SessionPageMiddleware:
    """First of the middleware, so the headers it stores are all that Django sends (the security headers; the
    Content-Security-Policy, with the LTI frame's origins for a session launched from a platform: a deploy that
    changes it is a release, whose new content version every stored page depends on)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        requested = entry_key(request.META)  # before anything below writes to the environ
        response = self.get_response(request)
        if requested is not None and (offered := offered_page(request)) is not None:
            store(requested[0], offered, request, response)
        return response


def serve(environ: dict) -> tuple[str, list[tuple[str, str]], bytes] | None:
    """(status, headers, body) of this request's stored page, or None when it has none still good."""
    requested = entry_key(environ)
    if requested is None or (stored := read(requested[0])) is None:
        return None
    csrf_secret = requested[1]
    headers = [*stored.headers, ("X-Request-ID", request_id_for(environ.get("HTTP_X_REQUEST_ID", "")))]
    if stored.anonymous_etag_parts is not None:
        etag = etag_of(reader=(), csrf_secret=csrf_secret, session_key=None, parts=stored.anonymous_etag_parts)
        headers.append(("ETag", etag))
    if (if_none_match := environ.get("HTTP_IF_NONE_MATCH")) and browser_has(headers, if_none_match):
        return "304 Not Modified", [(name, value) for name, value in headers if name != "Content-Type"], b""
    body = masked_csrf_token(csrf_secret).encode().join(stored.body)
    headers.append(("Content-Length", str(len(body))))
    return "200 OK", headers, body


def browser_has(headers: list[tuple[str, str]], if_none_match: str) -> bool:
    """If-None-Match names the page's ETag (compared weakly, as Django does for a GET)."""
    etag = next((value for name, value in headers if name == "ETag"), None)
    if etag is None:
        return False
    named = parse_etags(if_none_match)
    return named == ["*"] or etag.removeprefix("W/") in (name.removeprefix("W/") for name in named)


def entry_key(environ: dict) -> tuple[str, str] | None:
    """The key of this request's stored page and the browser's CSRF secret, or None when the request may not have
    a stored page. A session's pages are its own (the key holds its cookie); without a session, every reader
    sending the same request shares one. Read from the raw request, so two requests Django would tell apart never
    share a key: a key too fine only costs a render."""
    if (
        environ.get("REQUEST_METHOD") != "GET"
        or not sessions_in_default_cache()
        or environ.get("PATH_INFO", "").startswith(settings.STATIC_URL)
        # Any precondition but If-None-Match (rare from a browser) is left to Django's conditional response.
        or any(name in environ for name in _OTHER_PRECONDITIONS)
    ):
        return None
    cookies = parse_cookie(environ.get("HTTP_COOKIE", ""))
    csrf_secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
    if (
        CookieStorage.cookie_name in cookies  # a message waits to be shown once
        or len(csrf_secret) != CSRF_SECRET_LENGTH
        or not _ALLOWED_CSRF_CHARS.issuperset(csrf_secret)
    ):
        return None
    in_session = settings.SESSION_COOKIE_NAME in cookies
    if not in_session:
        del cookies[settings.CSRF_COOKIE_NAME]  # shared by every anonymous reader, whatever their secret
    parts = (sorted(cookies.items()), [environ.get(name, "") for name in _KEYED_ENVIRON])
    kind = "session" if in_session else "anonymous"
    return f"readers:{kind}-page:" + hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest(), csrf_secret


# What the page may vary with besides cookies, raw: where it was asked (host, scheme, path, query) and the htmx
# headers, which choose a partial.
_KEYED_ENVIRON = (
    "HTTP_HOST",
    "HTTP_X_FORWARDED_HOST",
    "HTTP_X_FORWARDED_PROTO",
    "SERVER_NAME",
    "SERVER_PORT",
    "wsgi.url_scheme",
    "SCRIPT_NAME",
    "PATH_INFO",
    "QUERY_STRING",
    "HTTP_HX_REQUEST",
    "HTTP_HX_TARGET",
    "HTTP_HX_BOOSTED",
    "HTTP_HX_TRIGGER",
    "HTTP_HX_TRIGGER_NAME",
)
_OTHER_PRECONDITIONS = ("HTTP_IF_MATCH", "HTTP_IF_MODIFIED_SINCE", "HTTP_IF_UNMODIFIED_SINCE")


def sessions_in_default_cache() -> bool:
    """Stored pages depend on the session's value in the cache, so sessions must be read through it."""
    return (
        settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
        and settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS
    )


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
        if name not in ("Content-Length", "X-Request-ID") and not (shared and name == "ETag")
    ]
    if not shared:  # a shared page renews nobody's CSRF cookie: the one set now is this reader's
        headers += [("Set-Cookie", morsel.OutputString()) for morsel in response.cookies.values()]
    etag_parts = offered.anonymous_etag_parts if shared else None
    timeout = ENTRY_TIMEOUT
    if offered.fresh_until is not None:
        timeout = min(timeout, int(offered.fresh_until - time.time()) + 1)
    body = tuple(part.encode() for part in offered.body.split(CSRF_SLOT))
    stored = StoredPage(body, headers, depends_on, etag_parts, offered.fresh_until)
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
