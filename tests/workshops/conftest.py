import datetime

import pytest
from django.contrib.auth.models import Permission
from django.core.cache import cache

from workshops import services


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Join rate limits live in the shared cache: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


def make_instructor(django_user_model, username: str):
    user = django_user_model.objects.create_user(username, password="a-long-Passphrase-42")
    user.user_permissions.add(Permission.objects.get(codename="lead_cohort", content_type__app_label="workshops"))
    return django_user_model.objects.get(pk=user.pk)  # fresh: the permission cache is per instance


@pytest.fixture
def instructor(django_user_model):
    return make_instructor(django_user_model, "grace")


@pytest.fixture
def other_instructor(django_user_model):
    return make_instructor(django_user_model, "barbara")


@pytest.fixture
def learner(django_user_model):
    return django_user_model.objects.create_user("ada", password="a-long-Passphrase-42")


@pytest.fixture
def cohort(course_content, instructor):
    return services.cohort_create(
        instructor=instructor,
        course=course_content,
        name="Friday workshop",
        starts_on=datetime.date(2026, 11, 27),
        ends_on=datetime.date(2026, 11, 28),
        seat_cap=3,
    )
