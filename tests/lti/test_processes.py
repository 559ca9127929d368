"""The whole LTI round trip against the real processes: gunicorn and a Celery worker started from the Procfile,
the test platform talking to them over HTTP (login → launch → deep link → score passback → roster sync)."""

import os
import re
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import requests

from tests.conftest import free_port
from tests.lti.platform import INSTRUCTOR, LEARNER, TestPlatform, rsa_private_pem

pytestmark = pytest.mark.process

QUIZ_PATH = "/courses/twelve-factor/quizzes/config/"


def backing_services() -> dict[str, str]:
    """Redis for broker and cache when LTI_TEST_REDIS_URL names a server (its /N selects the first of 3 DBs)."""
    base = os.environ.get("LTI_TEST_REDIS_URL", "")
    if not base:
        return {}
    root, _, first = base.rpartition("/")
    db = int(first)
    return {
        "CACHE_URL": f"{root}/{db}",
        "CELERY_BROKER_URL": f"{root}/{db + 1}",
        "CELERY_RESULT_BACKEND": f"{root}/{db + 2}",
    }


def eventually(check, timeout: float = 90):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if value := check():
            return value
        time.sleep(0.3)
    raise AssertionError("timed out waiting")


def launch(browser, stack, platform: TestPlatform, claims_for, path: str = QUIZ_PATH) -> requests.Response:
    target = stack.url + path
    login = browser.post(
        stack.url + "/lti/login/", platform.login_params(target_link_uri=target), allow_redirects=False
    )
    assert login.status_code == 302, login.text
    auth = {k: v[0] for k, v in parse_qs(urlsplit(login.headers["Location"]).query).items()}
    token = platform.id_token(claims_for(auth["nonce"], target))
    return browser.post(stack.url + "/lti/launch/", {"state": auth["state"], "id_token": token}, allow_redirects=False)


def register(stack, platform: TestPlatform) -> None:
    """Register the platform in the stack's database, as an administrator does in the admin."""
    stack.query(
        "from lti.models import Platform\n"
        f"Platform.objects.create(name='Test', issuer={platform.issuer!r}, client_id={platform.client_id!r}, "
        f"deployment_ids=[{platform.deployment_id!r}], auth_login_url={platform.auth_login_url!r}, "
        f"auth_token_url={platform.token_url!r}, key_set_url={platform.jwks_url!r})\n"
        "result = True"
    )


SUBMIT_QUIZ = (
    "from lti.models import LtiIdentity\n"
    "from quizzes.models import Quiz\n"
    "from quizzes.services import attempt_start, attempt_submit\n"
    "user = LtiIdentity.objects.get(sub='user-1').user\n"
    "quiz = Quiz.objects.get(course__slug='twelve-factor', slug='config')\n"
    "result = attempt_submit(attempt=attempt_start(user=user, quiz=quiz)).score"
)


def test_the_platform_completes_every_flow_against_web_and_worker(site_stack):
    platform = TestPlatform().start()
    try:
        stack = site_stack(LTI_TOOL_PRIVATE_KEY=rsa_private_pem().replace("\n", "\\n"), **backing_services())
        register(stack, platform)
        stack.start("web")
        stack.start("worker")
        platform.tool_jwks = lambda: requests.get(stack.url + "/.well-known/jwks.json", timeout=10).json()
        nrps = {
            "https://purl.imsglobal.org/spec/lti-nrps/claim/namesroleservice": {
                "context_memberships_url": platform.issuer + "/memberships/course-42",
                "service_versions": ["2.0"],
            }
        }
        platform.memberships = [
            {"status": "Active", "user_id": "teacher-1", "name": "Grace Hopper", "roles": [INSTRUCTOR]},
            {"status": "Active", "user_id": "user-1", "name": "Ada Lovelace", "roles": [LEARNER]},
            {"status": "Active", "user_id": "user-2", "name": "Alan Turing", "roles": [LEARNER]},
        ]

        # Deep linking: the instructor picks the quiz, the platform verifies our signed response.
        teacher = requests.Session()
        picker = launch(teacher, stack, platform, lambda nonce, _: platform.deep_linking_claims(nonce=nonce) | nrps)
        assert picker.status_code == 200, picker.text
        action = re.search(r'<form method="post" action="([^"]+)"', picker.text).group(1)
        # The config quiz: its checkbox is labelled with its title.
        quiz_key = re.search(
            r'value="(quiz:\d+)" id="([^"]+)">\s*<label for="\2">Quiz: Check: III\. Config', picker.text
        ).group(1)
        returned = teacher.post(stack.url + action, {"item": [quiz_key]})
        response_jwt = re.search(r'name="JWT" value="([^"]+)"', returned.text).group(1)
        message = platform.read_deep_linking_response(response_jwt, platform.tool_jwks())
        [link] = message["https://purl.imsglobal.org/spec/lti-dl/claim/content_items"]
        assert link["url"] == stack.url + QUIZ_PATH and link["lineItem"]["scoreMaximum"] == 100

        # The instructor's resource launch makes the course a cohort; the worker syncs its roster.
        teacher_launch = launch(
            teacher,
            stack,
            platform,
            lambda nonce, target: (
                platform.resource_link_claims(nonce=nonce, target_link_uri=target, sub="teacher-1", roles=[INSTRUCTOR])
                | nrps
            ),
        )
        assert teacher_launch.status_code == 302
        members = eventually(
            lambda: stack.query(
                "from lti.models import PlatformCourse\n"
                "pc = PlatformCourse.objects.filter(synced_at__isnull=False).first()\n"
                "result = sorted(m.user.first_name for m in pc.cohort.memberships.all()) if pc else None"
            )
        )
        assert members == ["Ada Lovelace", "Alan Turing"]

        # The learner lands signed in on the quiz; their submitted score arrives in the line item via the worker.
        learner = requests.Session()
        landed = launch(
            learner,
            stack,
            platform,
            lambda nonce, target: (
                platform.resource_link_claims(nonce=nonce, target_link_uri=target) | platform.ags_claim("/lineitems/7")
            ),
        )
        assert landed.status_code == 302 and landed.headers["Location"] == QUIZ_PATH
        page = learner.get(stack.url + QUIZ_PATH)
        assert page.status_code == 200 and "Ada Lovelace" in page.text
        score = stack.query(SUBMIT_QUIZ)
        [posted] = eventually(lambda: platform.recorded.scores)
        assert posted["lineitem"] == "/lineitems/7/scores"
        assert posted["userId"] == "user-1" and posted["scoreGiven"] == score
    finally:
        platform.stop()


def test_a_score_recorded_while_the_broker_is_unreachable_reaches_the_line_item_once_through_beat(site_stack):
    platform = TestPlatform().start()
    try:
        stack = site_stack(
            LTI_TOOL_PRIVATE_KEY=rsa_private_pem().replace("\n", "\\n"),
            LTI_PASSBACK_RESEND_AFTER_SECONDS="2",
            LTI_PASSBACK_RESEND_INTERVAL_SECONDS="1",
            **backing_services(),
        )
        register(stack, platform)
        stack.start("web")
        platform.tool_jwks = lambda: requests.get(stack.url + "/.well-known/jwks.json", timeout=10).json()
        learner = requests.Session()
        landed = launch(
            learner,
            stack,
            platform,
            lambda nonce, target: (
                platform.resource_link_claims(nonce=nonce, target_link_uri=target) | platform.ags_claim("/lineitems/8")
            ),
        )
        assert landed.status_code == 302

        # The score is recorded by a process whose broker is a closed port: the learner's submit still succeeds.
        score = stack.query(SUBMIT_QUIZ, CELERY_BROKER_URL=f"redis://127.0.0.1:{free_port()}/0")
        passbacks = (
            "from lti.models import GradePassback\n"
            "result = list(GradePassback.objects.values_list('status', 'next_attempt_at'))"
        )
        assert stack.query(passbacks) == [["pending", None]]  # no task reached a broker

        # The broker is back: beat finds the passback pending past its grace period, the worker sends it.
        stack.start("worker")
        stack.start("beat")
        [posted] = eventually(lambda: platform.recorded.scores)
        assert posted["lineitem"] == "/lineitems/8/scores" and posted["scoreGiven"] == score
        assert eventually(lambda: stack.query(passbacks)[0][0] == "sent")
        time.sleep(5)  # beat runs every second: several more runs send nothing
        assert len(platform.recorded.scores) == 1
        assert platform.results[("/lineitems/8", "user-1")]["scoreGiven"] == score
    finally:
        platform.stop()


def test_the_platform_registers_the_running_site_dynamically_then_launches_and_receives_a_score(site_stack):
    platform = TestPlatform().start()
    try:
        stack = site_stack(LTI_TOOL_PRIVATE_KEY=rsa_private_pem().replace("\n", "\\n"), **backing_services())
        token = stack.query(
            "from lti.registration import registration_invitation_create\n"
            "result = registration_invitation_create(created_by=None)[1]"
        )
        stack.start("web")
        stack.start("worker")

        # The administrator pastes our URL into the platform, which opens it with its configuration and token.
        admin = requests.Session()
        register_url = f"{stack.url}/lti/register/{token}/"
        params = {
            "openid_configuration": platform.openid_configuration_url,
            "registration_token": platform.registration_token,
        }
        page = admin.get(register_url, params=params)
        assert page.status_code == 200, page.text
        done = admin.post(register_url, data=params)
        assert done.status_code == 200, done.text
        script = re.search(r'<script src="([^"]*lti-registration-close[^"]*)">', done.text).group(1)
        assert "org.imsglobal.lti.close" in admin.get(stack.url + script).text  # served by WhiteNoise

        # The platform now knows our keys from the jwks_uri we registered, and launches for the client it made.
        [registration] = platform.recorded.registrations
        platform.tool_jwks = lambda: requests.get(registration["jwks_uri"], timeout=10).json()
        learner = requests.Session()
        landed = launch(
            learner,
            stack,
            platform,
            lambda nonce, target: (
                platform.resource_link_claims(nonce=nonce, target_link_uri=target) | platform.ags_claim("/lineitems/3")
            ),
        )
        assert landed.status_code == 302 and landed.headers["Location"] == QUIZ_PATH
        score = stack.query(SUBMIT_QUIZ)
        [posted] = eventually(lambda: platform.recorded.scores)
        assert posted["lineitem"] == "/lineitems/3/scores" and posted["scoreGiven"] == score
        [token_request] = platform.recorded.token_requests
        assert token_request["claims"]["iss"] == platform.client_id and platform.client_id.startswith("registered-")
    finally:
        platform.stop()
