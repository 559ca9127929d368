from django.contrib.auth.models import User
from django.http import HttpRequest
from django_htmx.middleware import HtmxDetails


class HtmxHttpRequest(HttpRequest):
    """For type hints: requests carry `htmx` once django-htmx's middleware has run."""

    htmx: HtmxDetails


class AuthenticatedHttpRequest(HtmxHttpRequest):
    """For type hints in views behind `@login_required`: the decorator has made `request.user` a real account."""

    user: User
