"""A signed-in reader's page served again to the same browser session without running the session, CSRF and
authentication middleware or the view.

Reading a cached page the usual way (config.reader_pages) still costs Django's whole request: the session loaded and
decoded, the user and their prefetch read, the URL resolved, the view and every middleware run. For the pages a
learner reloads most (lesson, syllabus, home) that is most of the time the server spends. So when a view serves a
reader's page with `personal_page`, this middleware also stores the finished response per *browser session and
request* (session cookie, CSRF cookie, every other cookie, host, scheme, path and query, htmx headers), together
with what it was built from: every cache entry the request read about its reader (config.reader_prefetch: the user
row, permissions, page generations, pacing, the content version) and the session itself, each with the value it
had. The next identical request reads the entry and those values in two cache round trips and gets the stored
response only if every one is unchanged. Anything that changes a page already rewrites one of them (progress and
scores rewrite the reader's generation, a release the content version, a logout or a new message the session, a
password change or a deactivation the user row), so a stored page is used exactly as long as the page it would
render is the same. Any doubt (a message cookie, a malformed CSRF cookie, a method other than GET) goes the usual way.

Needs sessions in the cache (the `cached_db` engine, the default): the session's value is one of the dependencies.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from http.cookies import Morsel
from typing import Any

from django.conf import settings
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.cache import DEFAULT_CACHE_ALIAS, cache
from django.http import HttpRequest, HttpResponse
from django.middleware.csrf import CSRF_ALLOWED_CHARS, CSRF_SECRET_LENGTH, get_token
from django.utils.cache import get_conditional_response

from config.reader_pages import CSRF_SLOT, ENTRY_TIMEOUT, served_page
from config.reader_prefetch import ABSENT, prefetched

# What a response is and shows besides its body: htmx headers choose a partial, the rest name the page.
_HTMX_HEADERS = ("HTTP_HX_REQUEST", "HTTP_HX_TARGET", "HTTP_HX_BOOSTED", "HTTP_HX_TRIGGER", "HTTP_HX_TRIGGER_NAME")
_ALLOWED_CSRF_CHARS = frozenset(CSRF_ALLOWED_CHARS)


@dataclass(frozen=True)
class StoredPage:
    body: str  # with config.reader_pages.CSRF_SLOT where the forms' token goes
    headers: list[tuple[str, str]]
    # The CSRF cookie, when the page renewed its expiry (Django does whenever a page uses the token).
    cookies: dict[str, Morsel]
    # django-csp reads its per-response settings from attributes (the LTI frame middleware sets one): kept as well.
    csp: dict[str, Any]
    depends_on: dict[str, Any]  # cache key -> the value the page was built from (ABSENT: there was none)


class SessionPageMiddleware:
    """Sits right after CSPMiddleware: what runs outside it (request id, security headers, WhiteNoise, the CSP
    header) runs for a stored page too; everything inside is what a stored page spares."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.enabled = (
            settings.SESSION_ENGINE == "django.contrib.sessions.backends.cached_db"
            and settings.SESSION_CACHE_ALIAS == DEFAULT_CACHE_ALIAS
        )

    def __call__(self, request: HttpRequest) -> HttpResponse:
        key = self.entry_key(request) if self.enabled else None
        if key is not None and (stored := self.read(key)) is not None:
            return self.respond(request, stored)
        response = self.get_response(request)
        if key is not None and (body := served_page(request)) is not None:
            self.store(key, body, request, response)
        return response

    @staticmethod
    def entry_key(request: HttpRequest) -> str | None:
        """The key of this request's stored page, or None when the request may not have one."""
        cookies = request.COOKIES
        session_key = cookies.get(settings.SESSION_COOKIE_NAME)
        csrf_secret = cookies.get(settings.CSRF_COOKIE_NAME, "")
        if (
            request.method != "GET"
            or not session_key
            or CookieStorage.cookie_name in cookies  # a message waits to be shown once
            or len(csrf_secret) != CSRF_SECRET_LENGTH
            or not _ALLOWED_CSRF_CHARS.issuperset(csrf_secret)
        ):
            return None
        meta = request.META
        parts = (
            sorted(cookies.items()),
            meta.get("HTTP_HOST", ""),
            request.is_secure(),
            request.get_full_path(),
            [meta.get(name, "") for name in _HTMX_HEADERS],
        )
        return "readers:session-page:" + hashlib.blake2b(repr(parts).encode(), digest_size=16).hexdigest()

    @staticmethod
    def read(key: str) -> StoredPage | None:
        stored = cache.get(key)
        if not isinstance(stored, StoredPage):
            return None
        current = cache.get_many(list(stored.depends_on))
        for dependency, value in stored.depends_on.items():
            if current.get(dependency, ABSENT) != value:
                return None
        return stored

    @staticmethod
    def respond(request: HttpRequest, stored: StoredPage) -> HttpResponse:
        # get_token masks the cookie's secret afresh for this response, as CsrfViewMiddleware would.
        request.META["CSRF_COOKIE"] = request.COOKIES[settings.CSRF_COOKIE_NAME]
        response = HttpResponse(stored.body.replace(CSRF_SLOT, get_token(request)))
        for name, value in stored.headers:
            response[name] = value
        for name, morsel in stored.cookies.items():
            response.cookies[name] = morsel
        response["Content-Length"] = str(len(response.content))
        response.__dict__.update(stored.csp)
        if etag := response.get("ETag"):
            return get_conditional_response(request, etag=etag, response=response) or response
        return response

    @staticmethod
    def store(key: str, body: str, request: HttpRequest, response: HttpResponse) -> None:
        session = getattr(request, "session", None)
        user = getattr(request, "user", None)
        if (
            response.status_code != 200
            or response.streaming
            or session is None
            or session.modified
            or session.session_key != request.COOKIES.get(settings.SESSION_COOKIE_NAME)
            or user is None
            or not user.is_authenticated
            or not only_csrf_renewed(request, response)
        ):
            return
        read = prefetched(user)
        if read is None:
            return
        depends_on = {session.cache_key: dict(session.items()), **read}
        headers = [(name, value) for name, value in response.items() if name != "Content-Length"]
        csp = {name: value for name, value in response.__dict__.items() if name.startswith("_csp")}
        cookies = dict(response.cookies.items())
        cache.set(key, StoredPage(body, headers, cookies, csp, depends_on), timeout=ENTRY_TIMEOUT)


def only_csrf_renewed(request: HttpRequest, response: HttpResponse) -> bool:
    """The response sets no cookie but the CSRF cookie, unchanged (a new secret, a remembered lesson: not replayed)."""
    name = settings.CSRF_COOKIE_NAME
    return set(response.cookies) <= {name} and (
        name not in response.cookies or response.cookies[name].value == request.COOKIES.get(name)
    )
