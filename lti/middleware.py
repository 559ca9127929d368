"""Pages of a session that began with an LTI launch work inside the platform's iframe, and only those.

In a cross-site iframe the browser sends only `SameSite=None; Secure` cookies, and shows the page only when
`frame-ancestors` (and X-Frame-Options) allow the platform. Sessions started on our own site keep `Lax` cookies and
`frame-ancestors 'none'`. Sits between CSPMiddleware and SessionMiddleware, so it sees the cookies the session and
CSRF middleware set and sets the CSP before django-csp writes it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from lti.csp import csp_replace
from lti.services import SESSION_FRAME_ORIGINS


class LtiFrameMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        origins = session.get(SESSION_FRAME_ORIGINS) if session is not None else None
        if not origins:
            return response
        if not hasattr(response, "_csp_replace"):
            csp_replace(response, {"frame-ancestors": origins})
        if "X-Frame-Options" in response:
            del response["X-Frame-Options"]
        if request.is_secure():
            # Browsers drop SameSite=None cookies that are not Secure, so plain-HTTP development keeps Lax.
            for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
                if name in response.cookies:
                    response.cookies[name]["samesite"] = "None"
                    response.cookies[name]["secure"] = True
        return response
