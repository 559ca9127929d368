"""Assignment and Grade Services: a score recorded here arrives in the test platform's line item."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from celery.exceptions import Retry
from django.utils import timezone
from kombu.exceptions import OperationalError

from labs.models import Lab
from labs.services import submission_record_result
from lti.grades import PassbackFault, passback_resend_overdue, passback_retry, passback_send
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
    monkeypatch.setattr(send_grade_passback, "apply_async", lambda args, **options: send_grade_passback.apply(args))


@pytest.fixture
def broker_down(monkeypatch):
    """Publishing fails as kombu fails when the broker refuses connections (the process test uses a closed port)."""

    def refuse(*args, **options):
        raise OperationalError("[Errno 111] Connection refused")

    monkeypatch.setattr(send_grade_passback, "apply_async", refuse)


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
    monkeypatch.setattr(send_grade_passback, "apply_async", lambda *a, **k: None)  # the broker holds it
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


def test_a_score_recorded_while_the_broker_is_down_is_kept_and_resent_once(
    launched_learner, test_platform, broker_down, monkeypatch, settings, django_capture_on_commit_callbacks
):
    settings.LTI_PASSBACK_RESEND_AFTER_SECONDS = 60
    attempt = submit_quiz(launched_learner, django_capture_on_commit_callbacks)  # the learner's submit succeeds

    passback = GradePassback.objects.get()
    assert passback.status == GradePassback.Status.PENDING and passback.next_attempt_at is None
    assert passback_resend_overdue() == 0  # within the grace period: nothing is due yet
    assert passback_resend_overdue(now=timezone.now() + timedelta(seconds=61)) == 0  # the broker is still down

    monkeypatch.setattr(send_grade_passback, "apply_async", lambda args, **options: send_grade_passback.apply(args))
    later = timezone.now() + timedelta(seconds=61)
    assert passback_resend_overdue(now=later) == 1
    assert passback_resend_overdue(now=later) == 0  # sent: a second run finds nothing

    passback.refresh_from_db()
    assert passback.status == GradePassback.Status.SENT and passback.attempts == 1
    [score] = test_platform.recorded.scores
    assert score["scoreGiven"] == attempt.score
    assert score["timestamp"] == attempt.submitted_at.isoformat()  # the time it was recorded, not resent


def test_a_passback_whose_task_is_waiting_to_retry_is_not_resent(
    launched_learner, test_platform, worker, settings, monkeypatch, django_capture_on_commit_callbacks
):
    settings.LTI_PASSBACK_RESEND_AFTER_SECONDS = 60
    settings.LTI_PASSBACK_RETRY_BACKOFF_SECONDS = 600
    test_platform.scores_unavailable = True
    # The retry goes back to the broker with its countdown (eager mode would run it at once).
    monkeypatch.setattr(send_grade_passback, "retry", lambda exc, countdown: Retry(exc=exc, when=countdown))
    submit_quiz(launched_learner, django_capture_on_commit_callbacks)

    passback = GradePassback.objects.get()
    assert passback.status == GradePassback.Status.PENDING and passback.next_attempt_at > timezone.now()
    assert passback_resend_overdue(now=timezone.now() + timedelta(seconds=120)) == 0
    assert passback_resend_overdue(now=timezone.now() + timedelta(seconds=700)) == 1


def test_an_older_score_left_pending_does_not_replace_a_later_one(
    launched_learner, test_platform, broker_down, monkeypatch, settings, django_capture_on_commit_callbacks
):
    submit_quiz(launched_learner, django_capture_on_commit_callbacks)  # broker down: pending
    monkeypatch.setattr(send_grade_passback, "apply_async", lambda args, **options: send_grade_passback.apply(args))
    later = submit_quiz(launched_learner, django_capture_on_commit_callbacks)  # broker back: sent at once

    assert passback_resend_overdue(now=timezone.now() + timedelta(days=1)) == 1

    statuses = dict(GradePassback.objects.values_list("source", "status"))
    assert statuses == {
        f"quiz-attempt:{later.pk - 1}": GradePassback.Status.SUPERSEDED,
        f"quiz-attempt:{later.pk}": GradePassback.Status.SENT,
    }
    [score] = test_platform.recorded.scores
    assert test_platform.results[("/lineitems/7", "user-1")] == {k: v for k, v in score.items() if k != "lineitem"}


def test_a_platform_holding_a_later_score_refuses_an_older_one_and_the_passback_is_superseded(
    launched_learner, test_platform, monkeypatch, django_capture_on_commit_callbacks
):
    monkeypatch.setattr(send_grade_passback, "apply_async", lambda *a, **k: None)
    submit_quiz(launched_learner, django_capture_on_commit_callbacks)
    passback = GradePassback.objects.get()
    # Another tool instance (or a restored backup) already posted a later score for this learner.
    later = (passback.recorded_at + timedelta(minutes=5)).isoformat()
    test_platform.results[("/lineitems/7", "user-1")] = {"userId": "user-1", "scoreGiven": 100, "timestamp": later}

    assert passback_send(passback_id=passback.pk).status == GradePassback.Status.SUPERSEDED
    assert test_platform.recorded.scores == []
