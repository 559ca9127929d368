import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse

from config.logging import current_request_id

# Accept a caller's id (a proxy's or a load balancer's) only if it is short and plain, so it is safe to log.
VALID_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestIdMiddleware:
    """Tag each request with an id: in every log line it causes and in the X-Request-ID response header."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        request_id = request_id_for(request.headers.get("X-Request-ID", ""))
        token = current_request_id.set(request_id)
        try:
            response = self.get_response(request)
        finally:
            current_request_id.reset(token)
        response["X-Request-ID"] = request_id
        return response


def request_id_for(incoming: str) -> str:
    """The caller's id when it is safe to log, else a new one."""
    return incoming if VALID_REQUEST_ID.match(incoming) else uuid.uuid4().hex
