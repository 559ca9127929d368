import datetime

import pytest
from django.core.exceptions import PermissionDenied

from tests.factories import UserFactory
from workshops import codes, services
from workshops.models import Lock, Membership

pytestmark = pytest.mark.django_db


def test_cohort_create_needs_the_instructor_permission(course_content, learner):
    with pytest.raises(PermissionDenied):
        services.cohort_create(
            instructor=learner,
            course=course_content,
            name="x",
            starts_on=datetime.date(2026, 1, 1),
            ends_on=datetime.date(2026, 1, 2),
            seat_cap=5,
        )


def test_join_code_is_long_and_from_the_unambiguous_alphabet(cohort):
    assert len(cohort.join_code) >= 10
    assert set(cohort.join_code) <= set(codes.ALPHABET)
    assert not set("01OIL") & set(codes.ALPHABET)


def test_codes_normalise_what_a_learner_types():
    assert codes.normalise(" abcd-efgh jkmn ") == "ABCDEFGHJKMN"


def test_join_adds_the_member_once(cohort, learner):
    found = services.cohort_find_for_joining(code=cohort.join_code.lower(), client="1.2.3.4")
    first = services.cohort_join(cohort=found, user=learner)
    second = services.cohort_join(cohort=found, user=learner)
    assert first == second
    assert Membership.objects.filter(cohort=cohort).count() == 1


def test_join_stops_at_the_seat_cap(cohort):
    for name in ("a", "b", "c"):
        services.cohort_join(cohort=cohort, user=UserFactory(username=name))
    with pytest.raises(services.JoinRefused, match="full"):
        services.cohort_join(cohort=cohort, user=UserFactory(username="d"))
    assert cohort.memberships.count() == 3


def test_instructor_cannot_join_their_own_cohort(cohort, instructor):
    with pytest.raises(services.JoinRefused):
        services.cohort_join(cohort=cohort, user=instructor)


def test_rotating_the_code_kills_the_old_one(cohort):
    old = cohort.join_code
    services.cohort_code_rotate(cohort=cohort)
    assert cohort.join_code != old
    with pytest.raises(services.JoinRefused):
        services.cohort_find_for_joining(code=old, client="1.2.3.4")
    assert services.cohort_find_for_joining(code=cohort.join_code, client="1.2.3.4") == cohort


def test_closed_code_refuses_and_reopens(cohort, learner):
    services.cohort_joining_set(cohort=cohort, open=False)
    with pytest.raises(services.JoinRefused):
        services.cohort_find_for_joining(code=cohort.join_code, client="1.2.3.4")
    with pytest.raises(services.JoinRefused):
        services.cohort_join(cohort=cohort, user=learner)
    services.cohort_joining_set(cohort=cohort, open=True)
    assert services.cohort_find_for_joining(code=cohort.join_code, client="1.2.3.4") == cohort


def test_wrong_codes_are_rate_limited_per_client(cohort):
    for _ in range(services.JOIN_FAILURES_ALLOWED):
        with pytest.raises(services.JoinRefused) as refused:
            services.cohort_find_for_joining(code="WRONGWRONG22", client="6.6.6.6")
        assert not isinstance(refused.value, services.TooManyJoinAttempts)
    # Now even the right code is refused from that client, but not from another one.
    with pytest.raises(services.TooManyJoinAttempts):
        services.cohort_find_for_joining(code=cohort.join_code, client="6.6.6.6")
    assert services.cohort_find_for_joining(code=cohort.join_code, client="7.7.7.7") == cohort


def test_right_codes_do_not_count_against_the_room(cohort):
    for _ in range(services.JOIN_FAILURES_ALLOWED * 2):
        services.cohort_find_for_joining(code=cohort.join_code, client="10.0.0.1")


def test_lock_set_and_unset_are_idempotent(cohort):
    services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=True)
    services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=True)
    assert Lock.objects.filter(cohort=cohort).count() == 1
    services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=False)
    assert not Lock.objects.filter(cohort=cohort).exists()
    with pytest.raises(ValueError):
        services.lock_set(cohort=cohort, kind="video", slug="x", locked=True)


def test_lock_all_then_unlock_all(cohort):
    services.lock_all(cohort=cohort, items=[("lesson", "a"), ("quiz", "a"), ("lab", "b")], locked=True)
    services.lock_all(cohort=cohort, items=[("lesson", "a")], locked=True)
    assert cohort.locks.count() == 3
    services.lock_all(cohort=cohort, items=[], locked=False)
    assert cohort.locks.count() == 0
