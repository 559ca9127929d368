from uuid import UUID

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404

from courses.models import Course
from labs.models import Lab, LabStarter, Submission
from twelve_factor.factors import BY_NUMBER


def lab_get(*, course_slug: str, lab_slug: str) -> Lab:
    return get_object_or_404(Lab.objects.published().select_related("course"), course__slug=course_slug, slug=lab_slug)


def lab_starter(*, course_slug: str, lab_slug: str) -> LabStarter | None:
    """The packed starter of a published lab, or None."""
    lab = lab_get(course_slug=course_slug, lab_slug=lab_slug)
    return LabStarter.objects.filter(lab=lab).first()


def course_labs(course: Course) -> list[Lab]:
    return list(course.labs.published())


def submission_for_user(public_id: UUID | str, *, user: User) -> Submission:
    """A learner sees only their own submissions: anyone else's id is simply not found."""
    return get_object_or_404(
        Submission.objects.select_related("lab__course", "scorecard"), public_id=public_id, user=user
    )


def user_submissions(user: User, *, lab: Lab | None = None) -> QuerySet[Submission]:
    submissions = Submission.objects.filter(user=user).select_related("lab__course", "scorecard")
    return submissions.filter(lab=lab) if lab else submissions


def best_lab_scores(*, user: User | AnonymousUser, course: Course) -> dict[int, int]:
    """Best score per lab id for the syllabus."""
    if not user.is_authenticated:
        return {}
    rows = (
        Submission.objects.filter(user=user, lab__course=course, status__in=Submission.GRADED)
        .values("lab_id")
        .annotate(best=Max("scorecard__score"))
    )
    return {row["lab_id"]: row["best"] for row in rows}


def queue_position(submission: Submission) -> int | None:
    """1 for the next to be graded; None once a worker has it."""
    if submission.status != Submission.Status.QUEUED:
        return None
    return Submission.objects.waiting().filter(created_at__lt=submission.created_at).count() + 1


def checks_by_factor(checks: list[dict]) -> list[dict]:
    """Scorecard checks grouped by factor, each with the check's title for people (the id stays as a reference)."""
    from labs.grading.checks import REGISTRY

    groups: dict[int, list[dict]] = {}
    for check in checks:
        spec = REGISTRY.get(check["id"])
        counted = check["status"] in ("pass", "warn", "fail")
        groups.setdefault(check["factor"], []).append(
            {
                **check,
                "title": spec.title if spec else check["id"],
                "counted": counted,
                # Scorecards stored before gates existed carry no "gate": the registry knows.
                "blocks_passing": check["status"] == "fail" and check.get("gate", bool(spec and spec.gate)),
            }
        )
    return [
        {
            "factor": factor,
            "name": BY_NUMBER[factor].name if factor in BY_NUMBER else str(factor),
            "checks": items,
            "points": sum(c["points"] for c in items),
            "max_points": sum(c["max_points"] for c in items if c["counted"]),
        }
        for factor, items in sorted(groups.items())
    ]


def lesson_titles(course: Course) -> dict[str, str]:
    """Lesson slug → title, to name the lessons that grader hints link to."""
    return dict(course.lessons.values_list("slug", "title"))


def changes_since_previous(submission: Submission) -> dict[str, list[str]] | None:
    """What changed against the learner's previous graded submission of the same lab."""
    if not hasattr(submission, "scorecard"):
        return None
    previous = (
        Submission.objects.filter(
            user=submission.user, lab=submission.lab, created_at__lt=submission.created_at, scorecard__isnull=False
        )
        .select_related("scorecard")
        .first()
    )
    if previous is None:
        return None
    before = {c["id"]: c["status"] for c in previous.scorecard.checks}
    now = {c["id"]: c["status"] for c in submission.scorecard.checks}
    return {
        "previous_score": previous.scorecard.score,
        "newly_passing": sorted(i for i, s in now.items() if s == "pass" and before.get(i) not in (None, "pass")),
        "newly_failing": sorted(i for i, s in now.items() if s in ("fail", "warn") and before.get(i) == "pass"),
    }
