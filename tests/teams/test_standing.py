from datetime import UTC, datetime, timedelta

import pytest

from teams import selectors, services
from teams.standing import Status, progress_of, status_of
from tests.factories import ScorecardFactory, SubmissionFactory
from tests.teams.helpers import take

NOW = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("passed", "complete", "can_improve", "deadline", "expected"),
    [
        (True, True, False, NOW - timedelta(days=1), Status.PASSED),
        (False, True, False, NOW + timedelta(days=5), Status.FAILED),  # attempts used up
        (False, True, True, NOW - timedelta(hours=1), Status.FAILED),  # scored but below the mark at the deadline
        (False, False, True, NOW - timedelta(hours=1), Status.OVERDUE),
        (False, False, True, NOW + timedelta(hours=47), Status.DUE_SOON),
        (False, True, True, NOW + timedelta(hours=48), Status.DUE_SOON),
        (False, False, True, NOW + timedelta(hours=49), Status.ON_TIME),
    ],
)
def test_status_of(passed, complete, can_improve, deadline, expected):
    assert status_of(passed=passed, complete=complete, can_improve=can_improve, deadline=deadline, now=NOW) == expected


@pytest.mark.django_db
def test_progress_counts_attempts_and_best_score(make_assessment, member):
    assessment = make_assessment(attempts_allowed=2)
    assignment = services.assignment_create(assessment=assessment, user=member)
    part = assessment.parts.get()
    take(assignment, part, right=False)
    progress = progress_of(assignment)
    assert progress.parts[0].attempts_used == 1
    assert progress.parts[0].attempts_left == 1
    assert progress.status == Status.ON_TIME  # one attempt left before the deadline
    take(assignment, part, right=False)
    assert progress_of(assignment).status == Status.FAILED


@pytest.mark.django_db
def test_learner_sees_no_score_before_the_deadline_when_the_policy_says_so(make_assessment, member):
    assessment = make_assessment(feedback="after_deadline")
    assignment = services.assignment_create(assessment=assessment, user=member)
    take(assignment, assessment.parts.get())
    [row] = selectors.assignments_for(member)
    assert row.status == Status.AWAITING
    assert row.score is None and row.parts[0].score is None
    view = selectors.learner_view(assignment)
    assert view["results_visible"] is False and view["progress"].score is None
    # The admin's report shows the truth.
    [report_row] = selectors.assessment_report(assessment)
    assert report_row.status == Status.PASSED and report_row.score == 100.0


@pytest.mark.django_db
def test_assignments_for_lists_only_mine_soonest_first(make_assessment, member, admin):
    later = make_assessment(title="Later", deadline=NOW + timedelta(days=3650))
    sooner = make_assessment(title="Sooner", deadline=NOW + timedelta(days=3000))
    services.assignment_create(assessment=later, user=member)
    services.assignment_create(assessment=sooner, user=member)
    services.assignment_create(assessment=sooner, user=admin)
    assert [row.assignment.assessment.title for row in selectors.assignments_for(member)] == ["Sooner", "Later"]


@pytest.mark.django_db
def test_a_lab_part_counts_its_best_scorecard(make_assessment, member, final_bank, course_content):
    from labs.models import Lab, Submission

    lab = Lab.objects.filter(course=course_content).first()
    assessment = make_assessment(labs=[lab])
    assignment = services.assignment_create(assessment=assessment, user=member)
    take(assignment, assessment.parts.get())
    progress = progress_of(assignment)
    assert [part.kind for part in progress.parts] == ["quiz", "lab"]
    assert progress.score is None and progress.status == Status.ON_TIME  # the lab is not done yet
    for score in (40, 80):
        submission = SubmissionFactory(user=member, lab=lab, status=Submission.Status.PASSED)
        ScorecardFactory(submission=submission, score=score, passed=score >= 80)
    progress = progress_of(assignment)
    assert progress.parts[1].score == 80
    assert progress.score == 90.0 and progress.status == Status.PASSED
    services.assignment_evaluate(assignment=assignment)
    assert assignment.passed_at is not None
