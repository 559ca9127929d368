"""LTI Dynamic Registration: the test platform opens our one-time registration URL, we read its OpenID configuration
and register over real HTTP on loopback, and its launches with the client id it gave us sign learners in."""

import re
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import pytest
from django.conf import settings
from django.utils import timezone

from lti.keys import tool_key_generate
from lti.models import Platform, RegistrationInvitation
from lti.registration import registration_invitation_create
from tests.conftest import free_port
from tests.factories import UserFactory
from tests.lti.platform import TestPlatform

pytestmark = pytest.mark.django_db

QUIZ = "https://testserver/courses/twelve-factor/quizzes/config/"
AGS = "https://purl.imsglobal.org/spec/lti-ags/scope/"
NRPS = "https://purl.imsglobal.org/spec/lti-nrps/scope/contextmembership.readonly"


@pytest.fixture
def platform():
    """A platform of its own: registering gives it a new client id, which the shared test platform must keep."""
    platform = TestPlatform().start()
    yield platform
    platform.stop()


@pytest.fixture
def invitation():
    """What staff make in the admin (LTI › Registration invitations › Add): the token of a one-time URL."""
    return registration_invitation_create(created_by=UserFactory(is_staff=True))[1]


def open_registration(client, token: str, platform: TestPlatform, **overrides):
    """The platform opens our registration URL in its iframe, with its configuration URL and registration token."""
    params = {
        "openid_configuration": platform.openid_configuration_url,
        "registration_token": platform.registration_token,
    }
    return client.get(f"/lti/register/{token}/?{urlencode(params | overrides)}", secure=True)


def confirm(client, token: str, page) -> object:
    fields = dict(re.findall(r'<input type="hidden" name="(\w+)" value="([^"]*)">', page.content.decode()))
    return client.post(f"/lti/register/{token}/", fields, secure=True)


def test_the_platform_registers_us_and_launches_with_the_client_id_it_gave(
    course_content, client, platform, invitation
):
    tool_key_generate()

    page = open_registration(client, invitation, platform)

    assert page.status_code == 200 and platform.issuer in page.content.decode()
    # Shown inside the platform's iframe, and only there.
    assert f"frame-ancestors {platform.issuer}" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page
    assert not Platform.objects.exists()  # the GET only read the platform's configuration

    done = confirm(client, invitation, page)

    assert done.status_code == 200, done.content.decode()
    html = done.content.decode()
    assert re.search(r'<script src="[^"]*lti-registration-close[^"]*\.js">', html)
    assert "<script>" not in html  # no inline script: the close message comes from a static file
    row = Platform.objects.get()
    assert (row.issuer, row.client_id, row.deployment_ids) == (
        platform.issuer,
        platform.client_id,
        [platform.deployment_id],
    )
    assert (row.auth_login_url, row.auth_token_url, row.key_set_url) == (
        platform.auth_login_url,
        platform.token_url,
        platform.jwks_url,
    )
    assert RegistrationInvitation.objects.get().platform == row

    # What we asked for, as the platform received it, with its registration token as bearer.
    [registration] = platform.recorded.registrations
    assert registration["application_type"] == "web"
    assert registration["token_endpoint_auth_method"] == "private_key_jwt"
    assert registration["initiate_login_uri"] == "https://testserver/lti/login/"
    assert registration["redirect_uris"] == ["https://testserver/lti/launch/"]
    assert registration["jwks_uri"] == "https://testserver/.well-known/jwks.json"
    assert {AGS + "score", AGS + "lineitem", NRPS} <= set(registration["scope"].split())
    tool = registration["https://purl.imsglobal.org/spec/lti-tool-configuration"]
    assert tool["domain"] == "testserver" and tool["target_link_uri"] == "https://testserver/lti/launch/"
    assert {m["type"] for m in tool["messages"]} == {"LtiResourceLinkRequest", "LtiDeepLinkingRequest"}
    assert {"sub", "name", "email"} <= set(tool["claims"])

    # A launch from the platform, for the client it registered, signs the learner in on the quiz.
    login = client.post("/lti/login/", platform.login_params(target_link_uri=QUIZ), secure=True)
    assert login.status_code == 302, login.content.decode()
    auth = dict(p.split("=", 1) for p in urlsplit(login["Location"]).query.split("&"))
    claims = platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=QUIZ)
    launched = client.post("/lti/launch/", {"state": auth["state"], "id_token": platform.id_token(claims)}, secure=True)
    assert launched.status_code == 302 and launched["Location"] == "/courses/twelve-factor/quizzes/config/"
    assert client.get("/courses/twelve-factor/quizzes/config/").context["user"].lti_identities.get().sub == "user-1"


def test_the_close_script_posts_the_lti_close_message_to_the_platform():
    script = (Path(settings.BASE_DIR) / "static/js/lti-registration-close.js").read_text()

    assert 'postMessage({ subject: "org.imsglobal.lti.close" }' in script
    assert "window.opener || window.parent" in script


def test_a_configuration_whose_issuer_is_another_origin_registers_nothing(client, platform, invitation):
    platform.configured_issuer = "https://canvas.example.edu"

    page = open_registration(client, invitation, platform)
    posted = client.post(
        f"/lti/register/{invitation}/",
        {"openid_configuration": platform.openid_configuration_url, "registration_token": platform.registration_token},
        secure=True,
    )

    for response in (page, posted):
        assert response.status_code == 400
        assert "does not match the origin of its configuration URL" in response.content.decode()
    assert platform.recorded.registrations == [] and not Platform.objects.exists()
    assert RegistrationInvitation.objects.usable(now=timezone.now()).count() == 1  # still usable once fixed


def test_an_unreachable_configuration_registers_nothing(client, invitation):
    closed = f"http://127.0.0.1:{free_port()}/.well-known/openid-configuration"

    response = client.post(f"/lti/register/{invitation}/", {"openid_configuration": closed}, secure=True)

    assert response.status_code == 400
    assert "could not be read" in response.content.decode() and closed in response.content.decode()
    assert not Platform.objects.exists()


def test_a_registration_the_platform_refuses_registers_nothing_and_says_why(client, platform, invitation):
    platform.registration_refusal = {"error": "invalid_client_metadata", "error_description": "no such placement"}

    response = confirm(client, invitation, open_registration(client, invitation, platform))

    assert response.status_code == 400
    html = response.content.decode()
    assert "refused the registration (HTTP 400)" in html and "no such placement" in html
    assert not Platform.objects.exists()
    assert RegistrationInvitation.objects.get().used_at is None


def test_a_wrong_registration_token_is_refused_by_the_platform(client, platform, invitation):
    response = open_registration(client, invitation, platform, registration_token="forged")

    assert response.status_code == 400 and "401" in response.content.decode()
    assert not Platform.objects.exists()


@pytest.mark.parametrize("case", ["unknown", "used", "expired"])
def test_a_registration_url_that_is_not_a_live_invitation_fetches_nothing(client, platform, invitation, case):
    token = invitation
    if case == "unknown":
        token = "not-an-invitation"
    elif case == "used":
        RegistrationInvitation.objects.update(used_at=timezone.now())
    else:
        RegistrationInvitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    for response in (
        open_registration(client, token, platform),
        confirm(client, token, open_registration(client, token, platform)),
    ):
        assert response.status_code == 400 and "unknown, expired or already used" in response.content.decode()
    assert platform.recorded.configuration_requests == [] and not Platform.objects.exists()


def test_an_invitation_registers_once(course_content, client, platform, invitation):
    tool_key_generate()
    page = open_registration(client, invitation, platform)
    assert confirm(client, invitation, page).status_code == 200

    again = confirm(client, invitation, page)

    assert again.status_code == 400 and len(platform.recorded.registrations) == 1
    assert Platform.objects.count() == 1


def test_staff_make_an_invitation_in_the_admin_and_see_its_url_once(client):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    response = client.post("/admin/lti/registrationinvitation/add/", {}, follow=True, secure=True)

    [message] = [str(m) for m in response.context["messages"] if "/lti/register/" in str(m)]
    url = re.search(r"https://testserver/lti/register/[\w-]+/", message).group(0)
    invitation = RegistrationInvitation.objects.get()
    assert invitation.used_at is None and invitation.expires_at > timezone.now() + timedelta(hours=23)
    assert url.rsplit("/", 2)[1] not in invitation.token_digest  # only a digest is kept


def test_the_command_prints_a_registration_url_that_works(course_content, client, platform, capsys):
    from django.core.management import call_command

    tool_key_generate()
    call_command("lti_registration_url", "https://testserver")
    url = capsys.readouterr().out.strip()
    token = re.fullmatch(r"https://testserver/lti/register/([\w-]+)/", url).group(1)

    assert confirm(client, token, open_registration(client, token, platform)).status_code == 200
    assert Platform.objects.get().client_id == platform.client_id
