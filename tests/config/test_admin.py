"""The admin shows the site's content and grades, and lets no one rewrite what load_content or the grader owns."""

import pytest
from django.urls import reverse

from courses.models import Course, Lesson
from labs.models import Lab, Submission
from tests.factories import ScorecardFactory, SubmissionFactory, UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(client):
    admin_user = UserFactory(
        username="root", email="root@example.com", password="pw-not-used", is_staff=True, is_superuser=True
    )
    client.force_login(admin_user)
    return admin_user


@pytest.fixture
def graded(course_content) -> Submission:
    lab = Lab.objects.get(course__slug="twelve-factor", slug="audit")
    learner = UserFactory(username="ada")
    submission = SubmissionFactory(user=learner, lab=lab, status=Submission.Status.PASSED)
    checks = [
        {"id": "config.honours-environment", "status": "pass", "points": 10, "max_points": 10, "evidence": "ok"},
        {"id": "logs.output-to-stdout", "status": "fail", "points": 0, "max_points": 5, "evidence": "<b>app.log</b>"},
    ]
    ScorecardFactory(submission=submission, score=67, passed=False, checks=checks)
    return submission


@pytest.mark.parametrize("model", [Course, Lesson, Lab, Submission])
def test_every_content_and_grade_model_has_a_changelist(client, staff, graded, model):
    meta = model._meta
    response = client.get(reverse(f"admin:{meta.app_label}_{meta.model_name}_changelist"))
    assert response.status_code == 200


def test_a_submission_page_shows_its_scorecard_escaped_and_nothing_is_editable(client, staff, graded):
    url = reverse("admin:labs_submission_change", args=[graded.pk])
    html = client.get(url).content.decode()

    assert "config.honours-environment" in html and "logs.output-to-stdout" in html
    assert "&lt;b&gt;app.log&lt;/b&gt;" in html and "<b>app.log</b>" not in html  # learner output is escaped
    assert 'name="status"' not in html  # the grader's verdict is read-only
    assert client.get(reverse("admin:labs_submission_add")).status_code == 403


def test_lessons_and_labs_can_only_be_unpublished_from_the_admin(client, staff, course_content):
    lesson = Lesson.objects.filter(course__slug="twelve-factor").first()
    html = client.get(reverse("admin:courses_lesson_change", args=[lesson.pk])).content.decode()
    assert 'name="published"' in html and 'name="title"' not in html
    lab = Lab.objects.get(course__slug="twelve-factor", slug="audit")
    html = client.get(reverse("admin:labs_lab_change", args=[lab.pk])).content.decode()
    assert 'name="published"' in html and 'name="pass_mark"' not in html
