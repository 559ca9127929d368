"""Authentication abuse: failed logins, password-reset emails and sign-ups are limited, with a cool-off."""

import re
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.core import mail
from django.utils import timezone

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def ada():
    return UserFactory(username="ada", email="ada@example.com", password=PASSWORD)


def log_in(client, username: str, password: str, **headers):
    return client.post("/accounts/login/", {"username": username, "password": password}, **headers)


def test_forty_wrong_passwords_lock_the_account_and_the_right_one_is_refused_until_the_cool_off(client, ada, settings):
    statuses = [log_in(client, "ada", f"guess-{n}").status_code for n in range(40)]

    # The form's own answer until the limit, then the lockout page.
    assert statuses[: settings.AXES_FAILURE_LIMIT - 1] == [200] * (settings.AXES_FAILURE_LIMIT - 1)
    assert set(statuses[settings.AXES_FAILURE_LIMIT :]) == {429}
    refused = log_in(client, "ada", PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    text = refused.content.decode()
    assert "Too many failed log-ins" in text
    assert "Try again in 15 minutes" in text
    assert refused["Retry-After"] == "900"

    # The lock is a cool-off, never permanent: once it has passed, the right password works again.
    AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=16))
    assert log_in(client, "ada", PASSWORD).status_code == 302
    assert client.session["_auth_user_id"] == str(ada.pk)


def test_guessing_from_one_address_across_accounts_locks_that_address_only(client, ada, settings):
    for n in range(settings.AXES_FAILURE_LIMIT):
        log_in(client, f"someone-{n}", "guess", REMOTE_ADDR="203.0.113.9")

    assert log_in(client, "ada", PASSWORD, REMOTE_ADDR="203.0.113.9").status_code == 429
    # The learner herself, from her own network, is not shut out by someone else's guessing.
    assert log_in(client, "ada", PASSWORD, REMOTE_ADDR="198.51.100.7").status_code == 302


def test_a_spoofed_forwarded_header_does_not_escape_the_address_lock(client, ada, settings):
    settings.FORWARDED_ALLOW_IPS = ["127.0.0.1"]
    for n in range(settings.AXES_FAILURE_LIMIT + 2):
        log_in(client, f"someone-{n}", "guess", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR=f"10.9.9.{n}")

    spoofed = log_in(client, "nobody", "guess", REMOTE_ADDR="203.0.113.9", HTTP_X_FORWARDED_FOR="10.1.1.1")
    assert spoofed.status_code == 429


def test_a_successful_login_clears_the_failures(client, ada, settings):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        log_in(client, "ada", f"guess-{n}")
    assert log_in(client, "ada", PASSWORD).status_code == 302
    client.logout()
    assert log_in(client, "ada", "one-more-typo").status_code == 200


def test_one_reset_email_per_address_every_few_minutes(client, ada):
    first = client.post("/accounts/password_reset/", {"email": "ada@example.com"})
    again = client.post("/accounts/password_reset/", {"email": "ADA@example.com "})

    assert first.status_code == 302
    assert again.status_code == 429
    assert len(mail.outbox) == 1
    text = again.content.decode()
    assert "check your inbox" in text
    # A fixed five-minute window: what is left of it, in whole minutes.
    assert re.search(r"try again in [1-5] minutes?\.", text)
    assert 0 < int(again["Retry-After"]) <= 300


def test_an_unknown_address_is_limited_the_same_so_the_answer_reveals_nothing(client):
    assert client.post("/accounts/password_reset/", {"email": "nobody@example.com"}).status_code == 302
    assert client.post("/accounts/password_reset/", {"email": "nobody@example.com"}).status_code == 429
    assert mail.outbox == []


def test_sign_ups_are_limited_per_address(client, settings):
    settings.SIGN_UPS_PER_ADDRESS_PER_HOUR = 2
    for name in ("ada", "bob"):
        client.post("/accounts/sign-up/", {"username": name, "password1": PASSWORD, "password2": PASSWORD})
        client.logout()
    refused = client.post("/accounts/sign-up/", {"username": "eve", "password1": PASSWORD, "password2": PASSWORD})

    assert refused.status_code == 429
    assert "Try again in" in refused.content.decode()
    assert not User.objects.filter(username="eve").exists()
    # Another address is not affected.
    other = client.post(
        "/accounts/sign-up/",
        {"username": "eve", "password1": PASSWORD, "password2": PASSWORD},
        REMOTE_ADDR="198.51.100.7",
    )
    assert other.status_code == 302
