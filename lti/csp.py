"""Changes to one response's Content-Security-Policy, set the way django-csp's middleware reads them: attributes on
the response (csp.decorators sets the same ones)."""

from django.http import HttpResponseBase


def csp_replace(response: HttpResponseBase, directives: dict[str, list[str]]) -> None:
    """Replace these directives on this response only."""
    response._csp_replace = directives  # type: ignore[attr-defined]  # django-csp's per-response attribute


def csp_update(response: HttpResponseBase, directives: dict[str, list[str]]) -> None:
    """Add sources to these directives on this response only."""
    response._csp_update = directives  # type: ignore[attr-defined]  # django-csp's per-response attribute
