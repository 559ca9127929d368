"""Deep Linking: an instructor picks items from our catalogue and the platform gets a signed response."""

import re

import pytest

from lti.models import UsedNonce
from tests.lti.platform import LEARNER

pytestmark = pytest.mark.django_db

DEEP_LINK_LAUNCH_URL = "https://testserver/lti/launch/"
DL = "https://purl.imsglobal.org/spec/lti-dl/claim/"


def deep_link_picker(client, test_platform, oidc_login, **claims):
    auth = oidc_login(DEEP_LINK_LAUNCH_URL)
    body = test_platform.deep_linking_claims(nonce=auth["nonce"]) | claims
    return client.post("/lti/launch/", {"state": auth["state"], "id_token": test_platform.id_token(body)}, secure=True)


def test_instructor_picks_a_lesson_and_a_quiz_and_the_platform_gets_signed_links(
    course_content, registered_platform, test_platform, oidc_login, client
):
    picker = deep_link_picker(client, test_platform, oidc_login)
    html = picker.content.decode()
    assert picker.status_code == 200 and "X-Frame-Options" not in picker
    action = re.search(r'<form method="post" action="([^"]+)"', html).group(1)
    values = re.findall(r'name="item" value="([^"]+)"', html)
    lesson = next(v for v in values if v.startswith("lesson:"))
    quiz = next(v for v in values if v.startswith("quiz:"))

    returned = client.post(action, {"item": [lesson, quiz]}, secure=True)

    assert returned.status_code == 200
    page = returned.content.decode()
    assert f'action="{test_platform.issuer}/deep-link-return"' in page
    response_jwt = re.search(r'name="JWT" value="([^"]+)"', page).group(1)
    message = test_platform.read_deep_linking_response(response_jwt, client.get("/.well-known/jwks.json").json())
    assert message["iss"] == test_platform.client_id
    assert message["https://purl.imsglobal.org/spec/lti/claim/message_type"] == "LtiDeepLinkingResponse"
    assert message[DL + "data"] == "opaque-platform-data"
    links = message[DL + "content_items"]
    assert [link["type"] for link in links] == ["ltiResourceLink", "ltiResourceLink"]
    assert links[0]["url"].startswith("https://testserver/courses/twelve-factor/")
    assert "lineItem" not in links[0]
    assert links[1]["url"].startswith("https://testserver/courses/twelve-factor/quizzes/")
    assert links[1]["lineItem"]["scoreMaximum"] == 100

    # A link it returned launches onto that item.
    auth = oidc_login(links[1]["url"])
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=links[1]["url"])
    launch = client.post(
        "/lti/launch/", {"state": auth["state"], "id_token": test_platform.id_token(claims)}, secure=True
    )
    assert launch.status_code == 302 and launch["Location"] == links[1]["url"].removeprefix("https://testserver")


def test_the_picked_links_are_sent_once(course_content, registered_platform, test_platform, oidc_login, client):
    picker = deep_link_picker(client, test_platform, oidc_login)
    action = re.search(r'<form method="post" action="([^"]+)"', picker.content.decode()).group(1)
    assert client.post(action, {"item": []}, secure=True).status_code == 200

    again = client.post(action, {"item": []}, secure=True)

    assert again.status_code == 400 and "already sent" in again.content.decode()


def test_learners_cannot_open_the_picker(course_content, registered_platform, test_platform, oidc_login, client):
    roles = {"https://purl.imsglobal.org/spec/lti/claim/roles": [LEARNER]}

    response = deep_link_picker(client, test_platform, oidc_login, **roles)

    assert response.status_code == 400 and "Only instructors" in response.content.decode()
    assert not UsedNonce.objects.exists()
