"""Login → resource-link launch against the test platform, and every way a launch must be refused."""

import html
import time

import pytest
from django.contrib.auth import get_user_model

from lti.models import LtiIdentity, UsedNonce
from tests.lti.platform import rsa_private_pem

pytestmark = pytest.mark.django_db

LESSON = "https://testserver/courses/twelve-factor/config/"
QUIZ = "https://testserver/courses/twelve-factor/quizzes/config/"


def launch(client, state: str, id_token: str):
    return client.post("/lti/launch/", {"state": state, "id_token": id_token}, secure=True)


def test_login_sends_the_browser_to_the_platform_with_state_nonce_and_our_redirect_uri(
    course_content, registered_platform, test_platform, oidc_login
):
    auth = oidc_login(LESSON)

    assert auth["scope"] == "openid" and auth["response_type"] == "id_token" and auth["response_mode"] == "form_post"
    assert auth["client_id"] == test_platform.client_id and auth["prompt"] == "none"
    assert auth["redirect_uri"] == "https://testserver/lti/launch/"
    assert auth["state"] and auth["nonce"] and auth["state"] != auth["nonce"]


def test_first_launch_creates_the_account_and_lands_signed_in_on_the_lesson(
    course_content, registered_platform, test_platform, oidc_login, client
):
    auth = oidc_login(LESSON)
    token = test_platform.id_token(test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON))

    response = launch(client, auth["state"], token)

    assert response.status_code == 302 and response["Location"] == "/courses/twelve-factor/config/"
    identity = LtiIdentity.objects.get(platform=registered_platform, sub="user-1")
    assert identity.user.first_name == "Ada Lovelace" and identity.user.email == "ada@example.edu"
    assert not identity.user.has_usable_password()
    session_cookie = response.cookies["sessionid"]
    assert session_cookie["samesite"] == "None" and session_cookie["secure"]
    page = client.get("/courses/twelve-factor/config/", secure=True)
    assert page.status_code == 200
    assert page.wsgi_request.user == identity.user
    # The page shows inside the platform's iframe, and only there.
    assert "X-Frame-Options" not in page
    assert f"frame-ancestors {test_platform.issuer}" in page["Content-Security-Policy"]


def test_second_launch_signs_in_the_same_account(
    course_content, registered_platform, test_platform, oidc_login, client
):
    for target in (LESSON, QUIZ):
        auth = oidc_login(target)
        claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=target)
        assert launch(client, auth["state"], test_platform.id_token(claims)).status_code == 302

    assert LtiIdentity.objects.filter(platform=registered_platform).count() == 1
    assert get_user_model().objects.filter(lti_identities__platform=registered_platform).count() == 1


def test_pages_of_an_ordinary_session_still_refuse_framing(course_content, client):
    page = client.get("/courses/twelve-factor/config/", secure=True)

    assert page["X-Frame-Options"] == "DENY"
    assert "frame-ancestors 'none'" in page["Content-Security-Policy"]


def refused(response, reason: str) -> bool:
    return response.status_code == 400 and reason in html.unescape(response.content.decode())


def nothing_created() -> bool:
    return not LtiIdentity.objects.exists() and not UsedNonce.objects.exists()


def test_replayed_launch_is_refused(course_content, registered_platform, test_platform, oidc_login, client):
    auth = oidc_login(LESSON)
    token = test_platform.id_token(test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON))
    assert launch(client, auth["state"], token).status_code == 302

    replay = launch(client, auth["state"], token)

    assert refused(replay, "already used")
    assert LtiIdentity.objects.count() == 1 and UsedNonce.objects.count() == 1


def test_launch_with_a_second_audience_needs_our_azp(
    course_content, registered_platform, test_platform, oidc_login, client
):
    auth = oidc_login(LESSON)
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON)
    claims["aud"] = [test_platform.client_id, "another-tool"]

    assert refused(launch(client, auth["state"], test_platform.id_token(claims)), "authorised party (azp)")
    assert nothing_created()

    auth = oidc_login(LESSON)
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON)
    claims |= {"aud": [test_platform.client_id, "another-tool"], "azp": test_platform.client_id}
    assert launch(client, auth["state"], test_platform.id_token(claims)).status_code == 302


def test_bad_signature_is_refused_and_creates_nothing(
    course_content, registered_platform, test_platform, oidc_login, client
):
    auth = oidc_login(LESSON)
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON)
    # Signed by another key under the platform's kid: what a forger without the platform's key can do.
    forged = test_platform.id_token(claims, private_pem=rsa_private_pem())

    assert refused(launch(client, auth["state"], forged), "Signature verification failed")
    assert nothing_created()


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"aud": "someone-else"}, "No platform is registered here with this issuer and client id"),
        ({"iss": "https://unknown.example"}, "No platform is registered here with this issuer and client id"),
        ({"azp": "someone-else"}, "authorised party"),
        ({"aud": ["", "someone-else"]}, "No platform is registered"),
        ({"https://purl.imsglobal.org/spec/lti/claim/deployment_id": "unknown"}, "Unable to find deployment"),
        ({"exp": int(time.time()) - 60, "iat": int(time.time()) - 400}, "Signature has expired"),
        ({"nonce": "a-nonce-we-never-issued"}, "Invalid Nonce"),
        ({"https://purl.imsglobal.org/spec/lti/claim/target_link_uri": "https://evil.example/"}, "names no lesson"),
    ],
    ids=[
        "wrong-aud",
        "unknown-issuer",
        "wrong-azp",
        "aud-list-first-not-ours",
        "unknown-deployment",
        "expired",
        "unknown-nonce",
        "foreign-target",
    ],
)
def test_bad_launch_is_refused_and_creates_nothing(
    course_content, registered_platform, test_platform, oidc_login, client, change, reason
):
    auth = oidc_login(LESSON)
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON) | change

    response = launch(client, auth["state"], test_platform.id_token(claims))

    assert refused(response, reason), response.content.decode()[:2000]
    assert nothing_created()
    assert "_auth_user_id" not in client.session


def test_launch_without_the_login_state_is_refused(
    course_content, registered_platform, test_platform, oidc_login, client
):
    auth = oidc_login(LESSON)
    token = test_platform.id_token(test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=LESSON))

    assert refused(launch(client, "a-state-from-elsewhere", token), "State not found")
    assert nothing_created()
