"""A lab result reaches teams when its scorecard is recorded, not when someone opens the assignment page."""

import pytest
from django.urls import reverse

from labs.grading.scorecard import Scorecard as GradedScorecard
from labs.models import Lab, Submission
from labs.services import submission_record_result
from teams import services
from teams.models import Assignment, Certificate
from tests.factories import ScorecardFactory, SubmissionFactory
from tests.teams.helpers import take

pytestmark = pytest.mark.django_db


@pytest.fixture
def lab_assignment(make_assessment, member, course_content):
    lab = Lab.objects.filter(course=course_content).first()
    assessment = make_assessment(labs=[lab])
    assignment = services.assignment_create(assessment=assessment, user=member)
    take(assignment, assessment.parts.get())
    return assignment, lab


def test_a_recorded_scorecard_passes_the_assignment_at_once(lab_assignment, member):
    assignment, lab = lab_assignment
    assert Assignment.objects.get(pk=assignment.pk).passed_at is None  # the lab is not done yet
    submission = SubmissionFactory(user=member, lab=lab, status=Submission.Status.RUNNING)
    submission_record_result(submission=submission, result=GradedScorecard(lab=lab.slug, score=90, passed=True))
    assignment.refresh_from_db()
    assert assignment.passed_at is not None and assignment.score == 95.0
    assert Certificate.objects.filter(user=member, assessment=assignment.assessment).exists()


def test_opening_the_assignment_page_writes_nothing(client, lab_assignment, member):
    assignment, lab = lab_assignment
    submission = SubmissionFactory(user=member, lab=lab, status=Submission.Status.PASSED)
    # A scorecard written behind the services' back (no signal): the page must not record the pass itself.
    ScorecardFactory(submission=submission, score=90, passed=True)
    client.force_login(member)
    assert client.get(reverse("teams:assignment", args=[assignment.public_id])).status_code == 200
    assignment.refresh_from_db()
    assert assignment.passed_at is None and assignment.score is None
    assert not Certificate.objects.filter(user=member).exists()
