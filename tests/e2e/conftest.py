"""Browser fixtures for the journeys: contexts and pages signed in as a user, and the login form for the journeys
that sign in the way a learner does."""

from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.test import Client
from playwright.sync_api import expect

from tests.conftest import VIEWPORT, watch_js_errors
from tests.factories import PASSWORD


@pytest.fixture
def open_context(browser, live_server):
    """open_context(username, viewport=..., **options): a new browser context on the live server, signed in as that
    user (None: signed out); every context opened is closed after the test.

    Signed in by the session cookie of a Django test client's login, not the form: the journeys that are about
    signing in use the form (`log_in`, test_smoke.py's sign-up); the rest only need to be someone."""
    host = urlsplit(live_server.url).hostname
    opened = []

    def open_context(username: str | None, *, viewport: dict = VIEWPORT, **options):
        context = browser.new_context(base_url=live_server.url, viewport=viewport, **options)
        opened.append(context)
        if username is not None:
            client = Client()
            client.force_login(User.objects.get(username=username))
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "domain": host, "path": "/"}])
        return context

    yield open_context
    for context in opened:
        context.close()


@pytest.fixture
def signed_in_page(open_context):
    """signed_in_page(username, **context options): a page of a new context signed in as that user, its
    JavaScript errors collected in `page.js_errors`."""

    def signed_in_page(username: str, **options):
        return watch_js_errors(open_context(username, **options).new_page())

    return signed_in_page


def log_in(page, username: str, password: str = PASSWORD) -> None:
    """Sign in through the login form, as a learner does, and wait until the page shows who is signed in."""
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".nav-user")).to_contain_text(username)
