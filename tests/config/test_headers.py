"""The production response headers and cookies, on every type of page.

Production settings are computed by running config/settings.py with the environment the README gives for
production (DEBUG off, HTTPS on, behind a proxy that sets X-Forwarded-Proto), not written out again here.
"""

import datetime
import re
import runpy
from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.urls import reverse
from django.utils import timezone

from courses.models import Course, Lesson
from labs import services as lab_services
from labs.models import Lab, Submission
from quizzes.models import Quiz
from teams import services as team_services
from teams.models import Assessment, Certificate
from tests.config.test_settings import PRODUCTION_ENV
from tests.conftest import REPO_ROOT
from tests.factories import PASSWORD, InstructorFactory, SubmissionFactory, UserFactory
from tests.labs.test_services import result
from tests.teams.helpers import take
from workshops import services as workshop_services

pytestmark = pytest.mark.django_db

HOST = "academy.example.com"
HTTPS = {"HTTP_HOST": HOST, "HTTP_X_FORWARDED_PROTO": "https"}
# What the production settings decide about HTTP; the database, cache and broker stay the test suite's.
HTTP_SETTINGS = re.compile(
    r"^(DEBUG|ALLOWED_HOSTS|MIDDLEWARE|CONTENT_SECURITY_POLICY|X_FRAME_OPTIONS|"
    r"SECURE_.*|SESSION_COOKIE_.*|CSRF_COOKIE_.*|CSRF_TRUSTED_ORIGINS)$"
)


@pytest.fixture
def production(settings, monkeypatch):
    for name, value in PRODUCTION_ENV.items():
        monkeypatch.setenv(name, value)
    computed = runpy.run_path(str(REPO_ROOT / "config" / "settings.py"))
    for name, value in computed.items():
        if HTTP_SETTINGS.match(name):
            setattr(settings, name, value)
    assert settings.DEBUG is False and settings.SECURE_SSL_REDIRECT is True
    return settings


@pytest.fixture
def pages(course_content) -> dict[str, tuple[User | None, str]]:
    """One URL of each type of page, with who looks at it (None: anonymous)."""
    learner = UserFactory(username="ada", email="ada@example.com")
    course = Course.objects.get(slug="twelve-factor")

    lab = Lab.objects.get(course=course, slug="audit")
    submission = SubmissionFactory(lab=lab, user=learner, status=Submission.Status.RUNNING)
    lab_services.submission_record_result(submission=submission, result=result(100, True))

    instructor = InstructorFactory(username="grace")
    cohort = workshop_services.cohort_create(
        instructor=instructor,
        course=course,
        name="Friday workshop",
        starts_on=datetime.date(2026, 11, 27),
        ends_on=datetime.date(2026, 11, 28),
        seat_cap=30,
    )

    admin = UserFactory(username="barbara")
    organisation = team_services.organisation_create(name="Acme", admin=admin)
    team_services.membership_add(organisation=organisation, user=learner)
    assessment = team_services.assessment_create(
        organisation=organisation,
        created_by=admin,
        title="Onboarding check",
        deadline=timezone.now() + timedelta(days=7),
        pass_mark=70,
        attempts_allowed=2,
        time_limit_minutes=30,
        feedback=Assessment.Feedback.AFTER_SUBMIT,
        quizzes=[(Quiz.objects.get(course=course, slug="final"), 1)],
    )
    assignment = team_services.assignment_create(assessment=assessment, user=learner)
    take(assignment, assessment.parts.get())
    certificate = Certificate.objects.get(user=learner)

    return {
        "home": (None, "/"),
        "syllabus": (None, course.get_absolute_url()),
        "lesson": (learner, Lesson.objects.filter(course=course).order_by("pk").first().get_absolute_url()),
        "quiz": (learner, Quiz.objects.filter(course=course).order_by("pk").first().get_absolute_url()),
        "lab": (learner, lab.get_absolute_url()),
        "scorecard": (learner, submission.get_absolute_url()),
        "login": (None, reverse("login")),
        "cohort dashboard": (instructor, reverse("workshops:dashboard", args=[cohort.public_id])),
        "assessment": (admin, assessment.get_absolute_url()),
        "certificate": (learner, certificate.get_absolute_url()),
    }


def csp_directives(header: str) -> dict[str, list[str]]:
    directives = {}
    for part in header.split(";"):
        name, *values = part.split()
        directives[name] = values
    return directives


def assert_production_headers(response) -> None:
    csp = csp_directives(response["Content-Security-Policy"])
    assert csp["default-src"] == ["'self'"]
    assert "'unsafe-inline'" not in csp["script-src"] and "'unsafe-eval'" not in csp["script-src"]
    assert csp["frame-ancestors"] == ["'none'"]
    assert csp["object-src"] == ["'none'"]
    assert response["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains; preload"
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    for cookie in response.cookies.values():
        assert cookie["secure"], f"cookie {cookie.key} is not Secure"
        assert cookie["httponly"], f"cookie {cookie.key} is readable from script"
        assert cookie["samesite"] in {"Lax", "Strict"}


def assert_no_inline_script(html: str) -> None:
    # JSON data blocks are not run, so CSP allows them; any other <script> must load from a file.
    inline = [
        tag for tag in re.findall(r"<script\b[^>]*>", html) if "src=" not in tag and "application/json" not in tag
    ]
    assert inline == []
    handlers = re.findall(r"<[^>]+\s(on[a-z]+)\s*=", html)
    assert handlers == [], f"inline event handlers, which the CSP blocks: {handlers}"


def test_every_page_type_carries_the_production_headers(production, pages, client):
    for name, (viewer, url) in pages.items():
        client.logout()
        if viewer is not None:
            client.force_login(viewer)
        response = client.get(url, **HTTPS)

        assert response.status_code == 200, f"{name} ({url}): {response.status_code}"
        assert_production_headers(response)
        assert_no_inline_script(response.content.decode())


def test_plain_http_is_redirected_to_https_but_the_health_checks_are_not(production, client):
    redirected = client.get("/", HTTP_HOST=HOST)
    assert redirected.status_code == 301
    assert redirected["Location"] == f"https://{HOST}/"
    assert client.get("/healthz", HTTP_HOST=HOST).status_code == 200


def test_the_session_and_csrf_cookies_are_secure_and_hidden_from_script(production, client):
    UserFactory(username="ada", password=PASSWORD)
    form = client.get(reverse("login"), **HTTPS)
    assert "csrftoken" in form.cookies
    logged_in = client.post(reverse("login"), {"username": "ada", "password": PASSWORD}, **HTTPS)

    assert logged_in.status_code == 302
    assert "sessionid" in logged_in.cookies
    assert_production_headers(form)
    assert_production_headers(logged_in)
