"""The answer to a request that failed on our side: a backing service down is a 503 with a retry hint.

Django calls handler500 inside the except block of the request's uncaught exception (DEBUG off), so the exception is
still at hand. A database that restarts drops every open connection: the requests in flight get this page, and the
next request opens a new connection (CONN_HEALTH_CHECKS) without restarting the process.
"""

import sys

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, HttpResponseServerError
from django.views.defaults import server_error as django_server_error

RETRY_AFTER_SECONDS = 30

UNAVAILABLE_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Briefly unavailable</title></head>
<body><main><h1>Briefly unavailable</h1>
<p>The site cannot reach its database for a moment. Nothing you saved before is lost.
Try again in {seconds} seconds.</p>
</main></body></html>
"""


def _is_outage(error: BaseException | None) -> bool:
    # OperationalError and InterfaceError (a dropped or refused connection) are DatabaseErrors; so are integrity
    # errors, which are bugs, not outages, and stay 500s.
    from django.db import InterfaceError, OperationalError

    return isinstance(error, OperationalError | InterfaceError) or (
        isinstance(error, DatabaseError) and "connection" in str(error).lower()
    )


def server_error(request: HttpRequest) -> HttpResponse:
    if _is_outage(sys.exc_info()[1]):
        # A page with no template and no query: the template context would ask the database for the user.
        response = HttpResponse(UNAVAILABLE_PAGE.format(seconds=RETRY_AFTER_SECONDS), status=503)
        response["Retry-After"] = str(RETRY_AFTER_SECONDS)
        return response
    try:
        return django_server_error(request)
    except Exception:  # the 500 template itself failed (it may need what just broke)
        return HttpResponseServerError("Server error. Try again later.", content_type="text/plain")
