from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone

from quizzes.models import Quiz
from teams import services
from teams.models import Assessment, Membership
from tests.factories import PASSWORD, UserFactory


def correct_response(version):
    """The canonical response that earns full credit, for answering questions in tests."""
    definition = version.definition
    kind = version.type
    if kind == "single":
        return next(i for i, o in enumerate(definition["options"]) if o.get("correct") is True)
    if kind == "multiple":
        return [i for i, o in enumerate(definition["options"]) if o.get("correct") is True]
    if kind == "true_false":
        return definition["answer"]
    if kind == "ordering":
        return list(range(len(definition["items"])))
    if kind == "matching":
        return list(range(len(definition["pairs"])))
    if kind == "short_text":
        return definition["accepted"][0]
    if kind == "number":
        return definition["answer"]
    if kind == "spot":
        return sorted(definition["violations"])
    raise AssertionError(kind)


def wrong_response(version):
    kind = version.type
    if kind == "true_false":
        return not version.definition["answer"]
    if kind in {"number"}:
        return -987654.0
    if kind == "short_text":
        return "certainly not this"
    if kind == "single":
        return next(i for i, o in enumerate(version.definition["options"]) if o.get("correct") is not True)
    return []


@pytest.fixture
def admin(db) -> User:
    return UserFactory(username="grace", email="grace@example.com", password=PASSWORD)


@pytest.fixture
def member(db) -> User:
    return UserFactory(username="ada", email="ada@example.com", password=PASSWORD)


@pytest.fixture
def organisation(admin, member):
    organisation = services.organisation_create(name="Acme", admin=admin)
    services.membership_add(organisation=organisation, user=member)
    return organisation


@pytest.fixture
def final_bank(course_content) -> Quiz:
    return Quiz.objects.get(course=course_content, slug="final")


@pytest.fixture
def make_assessment(organisation, admin, final_bank):
    def make(**overrides) -> Assessment:
        options = {
            "organisation": organisation,
            "created_by": admin,
            "title": "Onboarding check",
            "deadline": timezone.now() + timedelta(days=7),
            "pass_mark": 70,
            "attempts_allowed": 2,
            "time_limit_minutes": 30,
            "feedback": Assessment.Feedback.AFTER_SUBMIT,
            "quizzes": [(final_bank, 1)],
        }
        options.update(overrides)
        return services.assessment_create(**options)

    return make


@pytest.fixture
def assessment(make_assessment) -> Assessment:
    return make_assessment()


@pytest.fixture
def assignment(assessment, member):
    return services.assignment_create(assessment=assessment, user=member)


@pytest.fixture
def outsider(db) -> User:
    """The admin of another organisation, with an assessment of their own."""
    user = UserFactory(username="mallory", email="mallory@example.com", password=PASSWORD)
    services.organisation_create(name="Other Co", admin=user)
    return user


def admin_of(organisation) -> User:
    return organisation.memberships.get(role=Membership.Role.ADMIN).user
