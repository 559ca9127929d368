import re

import pytest
from django.contrib.auth.models import User
from django.core import mail

pytestmark = pytest.mark.django_db

PASSWORD = "a-long-Passphrase-42"


def test_sign_up_with_username_and_password_only_signs_the_user_in(client):
    response = client.post("/accounts/sign-up/", {"username": "ada", "password1": PASSWORD, "password2": PASSWORD})

    assert response.status_code == 302
    user = User.objects.get(username="ada")
    assert user.email == ""
    assert client.session["_auth_user_id"] == str(user.pk)


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
    User.objects.create_user("grace", password=PASSWORD)

    response = client.post("/accounts/login/", {"username": "grace", "password": PASSWORD})
    assert response.status_code == 302
    assert "_auth_user_id" in client.session

    response = client.post("/accounts/logout/")
    assert response.status_code == 302
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_working_link(client):
    User.objects.create_user("linus", email="linus@example.com", password=PASSWORD)

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
