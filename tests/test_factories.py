"""The factories make what the tests that use them assume: accounts as sign-up makes them, instructors who may lead
a cohort, results that belong together."""

import pytest

from labs.models import Lab, Submission
from tests.factories import PASSWORD, InstructorFactory, ScorecardFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_a_user_signs_in_with_the_given_password_and_has_none_without_one():
    ada = UserFactory(username="ada", password=PASSWORD)
    nameless = UserFactory()

    assert ada.check_password(PASSWORD)
    assert not nameless.has_usable_password()
    assert nameless.username != UserFactory().username


def test_an_instructor_may_lead_a_cohort_and_a_learner_may_not():
    assert InstructorFactory().has_perm("workshops.lead_cohort")
    assert not UserFactory().has_perm("workshops.lead_cohort")


def test_a_scorecard_passes_by_its_labs_pass_mark(course_content):
    lab = Lab.objects.get(course=course_content, slug="audit")

    below = ScorecardFactory(submission__lab=lab, score=lab.pass_mark - 1)
    at = ScorecardFactory(submission__lab=lab, score=lab.pass_mark)

    assert (below.passed, at.passed) == (False, True)
    assert below.submission.user != at.submission.user
    assert (below.submission.status, at.submission.status) == (Submission.Status.FAILED, Submission.Status.PASSED)
