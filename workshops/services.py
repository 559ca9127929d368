"""Writes: cohorts, their join codes, membership and pacing locks."""

import datetime

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction

from config import rate_limits
from courses.models import Course
from workshops import codes
from workshops.models import Cohort, Lock, Membership
from workshops.pacing_cache import pacing_changed

JOIN_FAILURES_ALLOWED = 10
JOIN_FAILURE_WINDOW_SECONDS = 15 * 60


class JoinRefused(Exception):
    """The learner cannot join; the message says why, in words for them."""


class TooManyJoinAttempts(JoinRefused):
    pass


def require_instructor(user: User) -> None:
    if not user.is_authenticated or not user.has_perm("workshops.lead_cohort"):
        raise PermissionDenied("Only instructors can lead cohorts.")


def _unused_code() -> str:
    while True:
        code = codes.new_code()
        if not Cohort.objects.filter(join_code=code).exists():
            return code


def cohort_create(
    *,
    instructor: User,
    course: Course,
    name: str,
    starts_on: datetime.date,
    ends_on: datetime.date,
    seat_cap: int,
) -> Cohort:
    require_instructor(instructor)
    return Cohort.objects.create(
        instructor=instructor,
        course=course,
        name=name,
        starts_on=starts_on,
        ends_on=ends_on,
        seat_cap=seat_cap,
        join_code=_unused_code(),
    )


def cohort_code_rotate(*, cohort: Cohort) -> Cohort:
    """A new code; the old code and link stop working at once."""
    cohort.join_code = _unused_code()
    cohort.save(update_fields=["join_code"])
    return cohort


def cohort_joining_set(*, cohort: Cohort, open: bool) -> Cohort:
    cohort.join_open = open
    cohort.save(update_fields=["join_open"])
    return cohort


def _join_failures(client: str) -> dict:
    """Wrong codes from one client address. Only failures count: a whole room behind one address joins with the right
    code without tripping the limit, while guessing stops after a few tries."""
    return {
        "scope": "join-code-failures",
        "key": client,
        "limit": JOIN_FAILURES_ALLOWED,
        "window_seconds": JOIN_FAILURE_WINDOW_SECONDS,
    }


def cohort_find_for_joining(*, code: str, client: str) -> Cohort:
    """The cohort a code opens, or JoinRefused. Wrong codes are counted per client and rate-limited."""
    decision = rate_limits.exhausted(**_join_failures(client))
    if not decision.allowed:
        minutes = decision.retry_after_minutes
        raise TooManyJoinAttempts(
            f"Too many wrong codes from your network. Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
    cohort = Cohort.objects.select_related("course", "instructor").filter(join_code=codes.normalise(code)).first()
    if cohort is None:
        rate_limits.hit(**_join_failures(client))
    if cohort is None or not cohort.join_open:
        # One message for both, so a closed code does not confirm that it exists; only unknown codes count as
        # guesses, so a room opening a link its instructor just closed does not lock itself out.
        raise JoinRefused("That join code is not valid or joining is closed. Check the code with your instructor.")
    return cohort


@transaction.atomic
def cohort_join(*, cohort: Cohort, user: User) -> Membership:
    """Add the learner to the cohort, within the seat cap. Joining twice returns the existing membership."""
    cohort = Cohort.objects.select_for_update().get(pk=cohort.pk)
    existing = Membership.objects.filter(cohort=cohort, user=user).first()
    if existing is not None:
        return existing
    if not cohort.join_open:
        raise JoinRefused("Joining this cohort is closed.")
    if cohort.memberships.count() >= cohort.seat_cap:
        raise JoinRefused("This cohort is full. Ask your instructor for a seat.")
    if cohort.instructor_id == user.pk:
        raise JoinRefused("You lead this cohort; instructors are not members of their own cohort.")
    return Membership.objects.create(cohort=cohort, user=user)


def lock_set(*, cohort: Cohort, kind: str, slug: str, locked: bool) -> None:
    if kind not in Lock.Kind.values:
        raise ValueError(f"unknown kind {kind!r}")
    if locked:
        try:
            with transaction.atomic():
                Lock.objects.get_or_create(cohort=cohort, kind=kind, slug=slug)
        except IntegrityError:  # a double click raced itself: already locked
            pass
    else:
        Lock.objects.filter(cohort=cohort, kind=kind, slug=slug).delete()


@transaction.atomic
def lock_all(*, cohort: Cohort, items: list[tuple[str, str]], locked: bool) -> None:
    """Lock or unlock every listed (kind, slug) at once: a workshop often starts with everything locked."""
    if locked:
        Lock.objects.bulk_create(
            [Lock(cohort=cohort, kind=kind, slug=slug) for kind, slug in items], ignore_conflicts=True
        )
        pacing_changed()  # bulk_create sends no post_save
    else:
        Lock.objects.filter(cohort=cohort).delete()
