"""Reads: the cohorts an instructor may see, the cohort a learner belongs to, and what pacing locks for them."""

from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.shortcuts import get_object_or_404

from courses.models import Course, Lesson
from labs.models import Lab
from quizzes.models import Quiz
from workshops.models import Cohort, Lock, Membership


def cohorts_led(*, user: AbstractBaseUser):
    if not user.has_perm("workshops.lead_cohort"):
        raise PermissionDenied("Only instructors lead cohorts.")
    return Cohort.objects.led_by(user).select_related("course").annotate(member_count=Count("memberships"))


def cohort_for_instructor(*, user: AbstractBaseUser, public_id) -> Cohort:
    """The instructor's own cohort: anyone else's id, or a non-instructor, gets 404 or 403, never the data."""
    return get_object_or_404(cohorts_led(user=user), public_id=public_id)


def cohort_members(*, cohort: Cohort) -> list[Membership]:
    return list(cohort.memberships.select_related("user").order_by("user__username"))


@dataclass
class Item:
    kind: str
    slug: str
    title: str
    short: str = ""  # "L3", "Q3", "Lab 2": a column heading that fits the grid
    locked: bool = False

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.slug}"


def course_items(*, course: Course) -> list[Item]:
    """Everything pacing can lock, in syllabus order: lessons, then quizzes, then labs."""
    lessons = Lesson.objects.published().filter(course=course).values_list("slug", "title")
    quizzes = Quiz.objects.published().filter(course=course).values_list("slug", "title")
    labs = Lab.objects.published().filter(course=course).values_list("slug", "title")
    return (
        [Item("lesson", slug, title, f"L{n}") for n, (slug, title) in enumerate(lessons, start=1)]
        + [Item("quiz", slug, title, f"Q{n}") for n, (slug, title) in enumerate(quizzes, start=1)]
        + [Item("lab", slug, title, f"Lab {n}") for n, (slug, title) in enumerate(labs, start=1)]
    )


def cohort_locks(*, cohort: Cohort) -> set[tuple[str, str]]:
    return set(cohort.locks.values_list("kind", "slug"))


def locked_items(*, user: AbstractBaseUser, course: Course) -> set[tuple[str, str]]:
    """(kind, slug) the learner may not open yet: locked in any of their cohorts for this course."""
    if not user.is_authenticated:
        return set()
    return set(Lock.objects.filter(cohort__course=course, cohort__memberships__user=user).values_list("kind", "slug"))


def item_locked(*, user: AbstractBaseUser, course: Course, kind: str, slug: str) -> bool:
    if not user.is_authenticated:
        return False
    return Lock.objects.filter(cohort__course=course, cohort__memberships__user=user, kind=kind, slug=slug).exists()


@dataclass
class CoursePacing:
    """What the syllabus needs: whether to poll for unlocks, and the locked slugs by kind."""

    member: bool = False
    locked: set[tuple[str, str]] = field(default_factory=set)

    def _slugs(self, kind: str) -> set[str]:
        return {slug for locked_kind, slug in self.locked if locked_kind == kind}

    @property
    def lessons(self) -> set[str]:
        return self._slugs("lesson")

    @property
    def quizzes(self) -> set[str]:
        return self._slugs("quiz")

    @property
    def labs(self) -> set[str]:
        return self._slugs("lab")


def course_pacing(*, user: AbstractBaseUser, course: Course) -> CoursePacing:
    if not user.is_authenticated:
        return CoursePacing()
    member = Membership.objects.filter(user=user, cohort__course=course).exists()
    return CoursePacing(member=member, locked=locked_items(user=user, course=course) if member else set())
