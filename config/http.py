from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """For type hints: requests carry `htmx` once django-htmx's middleware has run."""

    htmx: HtmxDetails
