import datetime

import pytest
from django.core.cache import cache

from tests.factories import PASSWORD, InstructorFactory, UserFactory
from workshops import services


@pytest.fixture(autouse=True)
def empty_cache(db):
    """Join rate limits live in the shared cache: each test starts with none counted."""
    cache.clear()
    yield
    cache.clear()


@pytest.fixture
def instructor(db):
    return InstructorFactory(username="grace", password=PASSWORD)


@pytest.fixture
def other_instructor(db):
    return InstructorFactory(username="barbara", password=PASSWORD)


@pytest.fixture
def learner(db):
    return UserFactory(username="ada", password=PASSWORD)


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
