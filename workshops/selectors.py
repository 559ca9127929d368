"""Reads: the cohorts an instructor may see, the cohort a learner belongs to, and what pacing locks for them."""

from dataclasses import dataclass, field
from uuid import UUID

from django.contrib.auth.models import AnonymousUser, User
from django.core.exceptions import PermissionDenied
from django.db.models import Count, QuerySet
from django.shortcuts import get_object_or_404

from courses.models import Course, Lesson
from labs.models import Lab
from quizzes.models import Quiz
from twelve_factor.factors import numeral
from workshops.models import Cohort, Membership
from workshops.pacing_cache import locked_for


def cohorts_led(*, user: User) -> QuerySet[Cohort]:
    if not user.has_perm("workshops.lead_cohort"):
        raise PermissionDenied("Only instructors lead cohorts.")
    return Cohort.objects.led_by(user).select_related("course").annotate(member_count=Count("memberships"))


def cohort_for_instructor(*, user: User, public_id: UUID | str) -> Cohort:
    """The instructor's own cohort: anyone else's id, or a non-instructor, gets 404 or 403, never the data."""
    return get_object_or_404(cohorts_led(user=user), public_id=public_id)


def cohort_members(*, cohort: Cohort) -> list[Membership]:
    return list(cohort.memberships.select_related("user").order_by("user__username"))


@dataclass
class Item:
    kind: str
    slug: str
    title: str
    short: str = ""  # a column heading that fits the grid: "III", "History", "VII+XI" (see course_items)
    locked: bool = False

    KIND_LABELS = {"lesson": "Lesson", "quiz": "Quiz", "lab": "Lab"}

    @property
    def key(self) -> str:
        return f"{self.kind}:{self.slug}"

    @property
    def kind_label(self) -> str:
        return self.KIND_LABELS[self.kind]

    @property
    def short_lines(self) -> list[str]:
        """The short name in the pieces a narrow column heading may wrap between: "V+", "X+", "XII"."""
        parts = self.short.split("+")
        return [part + "+" for part in parts[:-1]] + parts[-1:]


def _factor_short(factor: int | None, slug: str) -> str:
    # A lesson about no single factor (history, summary) or a quiz without a lesson (the final bank): its slug.
    return numeral(factor) if factor else slug.replace("-", " ").capitalize()


def _lab_short(factors: list[int], title: str) -> str:
    if set(factors) >= set(range(1, 13)):
        return title.split(":")[0]  # every factor (the audit, the capstone): its name
    return "+".join(numeral(factor) for factor in sorted(factors))


def course_items(*, course: Course) -> list[Item]:
    """Everything pacing can lock, in syllabus order: lessons, then quizzes, then labs. Short names are the factor
    numerals the lessons use (a quiz takes its lesson's), so column III is factor III."""
    lessons = Lesson.objects.published().filter(course=course).values_list("slug", "title", "factor")
    quizzes = Quiz.objects.published().filter(course=course).values_list("slug", "title", "lesson__factor")
    labs = Lab.objects.published().filter(course=course).values_list("slug", "title", "factors")
    return (
        [Item("lesson", slug, title, _factor_short(factor, slug)) for slug, title, factor in lessons]
        + [Item("quiz", slug, title, _factor_short(factor, slug)) for slug, title, factor in quizzes]
        + [Item("lab", slug, title, _lab_short(factors, title)) for slug, title, factors in labs]
    )


def cohort_locks(*, cohort: Cohort) -> set[tuple[str, str]]:
    return set(cohort.locks.values_list("kind", "slug"))


def locked_items(*, user: User | AnonymousUser, course: Course) -> set[tuple[str, str]]:
    """(kind, slug) the learner may not open yet: locked in any of their cohorts for this course."""
    if not user.is_authenticated:
        return set()
    return {(kind, slug) for course_id, kind, slug in locked_for(user=user) if course_id == course.pk}


def item_locked(*, user: User | AnonymousUser, course: Course, kind: str, slug: str) -> bool:
    if not user.is_authenticated:
        return False
    return (course.pk, kind, slug) in locked_for(user=user)


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


def course_pacing(*, user: User, course: Course) -> CoursePacing:
    if not user.is_authenticated:
        return CoursePacing()
    member = Membership.objects.filter(user=user, cohort__course=course).exists()
    return CoursePacing(member=member, locked=locked_items(user=user, course=course) if member else set())
