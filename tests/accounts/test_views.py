import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db


def test_sign_up_with_username_and_password_only_signs_the_user_in(client):
    response = client.post("/accounts/sign-up/", {"username": "ada", "password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(username="ada")
    assert user.email == ""
    assert client.session["_auth_user_id"] == str(user.pk)
    assert client.get("/").wsgi_request.user == user  # and still signed in on the next page


def test_sign_up_asks_for_the_name_and_keeps_it(client):
    form = client.get("/accounts/sign-up/").content.decode()
    assert 'name="first_name"' in form and "Your name" in form

    data = {"username": "ada", "first_name": " Ada Lovelace ", "password1": PASSWORD, "password2": PASSWORD}
    client.post("/accounts/sign-up/", data)

    user = User.objects.get(username="ada")
    assert (user.first_name, user.last_name) == ("Ada Lovelace", "")


def test_sign_up_redirects_only_to_a_local_next_url(client):
    data = {"username": "ada", "password1": PASSWORD, "password2": PASSWORD}

    response = client.post("/accounts/sign-up/?next=https://evil.example.com/", data)

    assert response["Location"] == "/"


def test_sign_up_shows_errors_for_mismatched_passwords(client):
    response = client.post(
        "/accounts/sign-up/", {"username": "ada", "password1": PASSWORD, "password2": PASSWORD + "x"}
    )

    assert response.status_code == 200
    assert not User.objects.filter(username="ada").exists()
    assert b"didn" in response.content  # "The two password fields didn't match."


def test_log_in_and_log_out(client):
    UserFactory(username="grace", password=PASSWORD)

    response = client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client):
    UserFactory(username="linus", email="linus@example.com", password=PASSWORD)

    client.post("/accounts/password_reset/", {"email": "linus@example.com"})

    assert len(mail.outbox) == 1
    link = re.search(r"http://testserver(/accounts/reset/\S+)", mail.outbox[0].body).group(1)
    form_page = client.get(link, follow=True)
    assert b"Choose a new password" in form_page.content
    new_password = "another-Passphrase-77"
    response = client.post(
        form_page.redirect_chain[-1][0],
        {"new_password1": new_password, "new_password2": new_password},
    )
    assert response.status_code == 302
    assert User.objects.get(username="linus").check_password(new_password)


def test_admin_is_mounted(client):
    response = client.get("/admin/")

    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_profile_needs_a_log_in(client):
    response = client.get("/accounts/profile/")

    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")


def test_the_header_links_to_the_profile_under_the_display_name(client):
    user = UserFactory(username="ada", first_name="Ada Lovelace", email="ada@example.com")
    client.force_login(user)

    html = client.get("/").content.decode()

    assert '<a class="nav-user" href="/accounts/profile/">' in html
    assert "<strong>Ada Lovelace</strong>" in html


def test_profile_shows_and_saves_the_name_and_email(client):
    user = UserFactory(username="ada", email="ada@example.com")
    client.force_login(user)

    page = client.get("/accounts/profile/").content.decode()
    assert page.count("<h1") == 1 and 'value="ada@example.com"' in page and 'name="name"' in page

    response = client.post("/accounts/profile/", {"name": "Ada Lovelace", "email": "lovelace@example.com"})
    assert response.status_code == 302 and response["Location"] == "/accounts/profile/"
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("Ada Lovelace", "lovelace@example.com")
    page = client.get("/accounts/profile/").content.decode()
    assert "Your profile is saved." in page and 'value="Ada Lovelace"' in page


def test_profile_refuses_a_malformed_email_and_changes_nothing(client):
    user = UserFactory(username="ada", email="ada@example.com")
    client.force_login(user)

    response = client.post("/accounts/profile/", {"name": "Ada Lovelace", "email": "not an address"})

    assert response.status_code == 400 and b'role="alert"' in response.content
    user.refresh_from_db()
    assert (user.first_name, user.email) == ("", "ada@example.com")
