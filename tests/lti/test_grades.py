"""Assignment and Grade Services: a score recorded here arrives in the test platform's line item."""

from types import SimpleNamespace

import pytest

from labs.models import Lab
from labs.services import submission_record_result
from lti.grades import PassbackFault, passback_retry, passback_send
from lti.models import GradePassback, LineItemLink, LtiIdentity
from lti.tasks import send_grade_passback
from quizzes.models import Quiz
from quizzes.services import attempt_start, attempt_submit
from tests.factories import SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db

QUIZ = "https://testserver/courses/twelve-factor/quizzes/config/"
SCORE_SCOPE = "https://purl.imsglobal.org/spec/lti-ags/scope/score"


@pytest.fixture
def worker(monkeypatch):
    """Run the passback task in-process when it is enqueued (what the worker does), retries included."""
    monkeypatch.setattr(send_grade_passback, "delay", lambda pk: send_grade_passback.apply(args=[pk]))


@pytest.fixture
def launched_learner(course_content, registered_platform, test_platform, oidc_login, client):
    auth = oidc_login(QUIZ)
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=QUIZ)
    claims |= test_platform.ags_claim("/lineitems/7")
    response = client.post(
        "/lti/launch/", {"state": auth["state"], "id_token": test_platform.id_token(claims)}, secure=True
    )
    assert response.status_code == 302
    return LtiIdentity.objects.get(sub="user-1").user


def submit_quiz(user, capture):
    attempt = attempt_start(user=user, quiz=Quiz.objects.get(course__slug="twelve-factor", slug="config"))
    with capture(execute=True):
        return attempt_submit(attempt=attempt)


def test_the_launch_remembers_the_line_item_of_a_graded_item(launched_learner, test_platform):
    link = LineItemLink.objects.get(identity__user=launched_learner)

    assert link.item_key == f"quiz:{Quiz.objects.get(slug='config', course__slug='twelve-factor').pk}"
    assert link.lineitem_url == test_platform.issuer + "/lineitems/7" and link.scopes == [SCORE_SCOPE]


def test_a_submitted_quiz_score_arrives_in_the_platforms_line_item(
    launched_learner, test_platform, worker, django_capture_on_commit_callbacks
):
    attempt = submit_quiz(launched_learner, django_capture_on_commit_callbacks)

    [score] = test_platform.recorded.scores
    assert score["lineitem"] == "/lineitems/7/scores"
    assert score["userId"] == "user-1" and score["scoreGiven"] == attempt.score and score["scoreMaximum"] == 100
    assert score["activityProgress"] == "Completed" and score["gradingProgress"] == "FullyGraded"
    # The token came from a client assertion signed with a key our JWKS publishes (the platform checked it).
    [token] = test_platform.recorded.token_requests
    assert token["claims"]["iss"] == test_platform.client_id and SCORE_SCOPE in token["scope"]
    passback = GradePassback.objects.get()
    assert passback.status == GradePassback.Status.SENT and passback.attempts == 1


def test_a_learner_who_never_launched_posts_nothing(
    course_content, registered_platform, test_platform, worker, django_capture_on_commit_callbacks
):
    submit_quiz(UserFactory(username="local-learner"), django_capture_on_commit_callbacks)

    assert not GradePassback.objects.exists() and test_platform.recorded.scores == []


def test_a_failed_passback_is_kept_marked_failed_and_sent_on_retry(
    launched_learner, test_platform, worker, settings, django_capture_on_commit_callbacks
):
    settings.LTI_PASSBACK_MAX_RETRIES = 2
    settings.LTI_PASSBACK_RETRY_BACKOFF_SECONDS = 0
    test_platform.scores_unavailable = True

    submit_quiz(launched_learner, django_capture_on_commit_callbacks)

    passback = GradePassback.objects.get()
    assert passback.status == GradePassback.Status.FAILED
    assert passback.attempts == 3 and "HTTP 503" in passback.last_error
    assert test_platform.recorded.scores == []

    test_platform.scores_unavailable = False
    with django_capture_on_commit_callbacks(execute=True):
        passback_retry(passback_id=passback.pk)

    passback.refresh_from_db()
    assert passback.status == GradePassback.Status.SENT and passback.last_error == ""
    assert len(test_platform.recorded.scores) == 1


def test_sending_to_a_platform_that_is_down_raises_and_keeps_the_row_pending(
    launched_learner, test_platform, django_capture_on_commit_callbacks, monkeypatch
):
    monkeypatch.setattr(send_grade_passback, "delay", lambda pk: None)  # the broker holds it; we send by hand
    submit_quiz(launched_learner, django_capture_on_commit_callbacks)
    test_platform.scores_unavailable = True

    with pytest.raises(PassbackFault, match="503"):
        passback_send(passback_id=GradePassback.objects.get().pk)

    assert GradePassback.objects.get().status == GradePassback.Status.PENDING


def test_a_graded_lab_score_arrives_and_our_grader_error_does_not(
    course_content, registered_platform, test_platform, oidc_login, client, worker, django_capture_on_commit_callbacks
):
    lab_url = "https://testserver/courses/twelve-factor/labs/audit/"
    auth = oidc_login(lab_url)
    claims = test_platform.resource_link_claims(nonce=auth["nonce"], target_link_uri=lab_url)
    claims |= test_platform.ags_claim("/lineitems/9")
    client.post("/lti/launch/", {"state": auth["state"], "id_token": test_platform.id_token(claims)}, secure=True)
    learner = LtiIdentity.objects.get(sub="user-1").user
    lab = Lab.objects.get(course__slug="twelve-factor", slug="audit")
    graded, broken = (SubmissionFactory(lab=lab, user=learner) for _ in range(2))

    with django_capture_on_commit_callbacks(execute=True):
        submission_record_result(submission=graded, result=SimpleNamespace(score=85, passed=True, checks=[], error=""))
        submission_record_result(
            submission=broken, result=SimpleNamespace(score=0, passed=False, checks=[], error="sandbox unavailable")
        )

    [score] = test_platform.recorded.scores
    assert score["lineitem"] == "/lineitems/9/scores" and score["scoreGiven"] == 85
