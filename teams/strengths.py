"""The team's strength per factor: the share of points earned on each factor's questions, counting each person's
best submitted attempt at each quiz of the assessment (the attempt their score comes from), so a retake that
passed does not leave the failed first try dragging the team down."""

from dataclasses import dataclass

from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Coalesce

from courses.models import Lesson
from quizzes.models import Attempt, AttemptItem
from teams.models import Assessment

WEAK_BELOW = 60  # percent


@dataclass
class FactorStrength:
    factor: int
    name: str
    percent: float
    questions: int

    @property
    def weak(self) -> bool:
        return self.percent < WEAK_BELOW


def factor_names(assessment: Assessment) -> dict[int, str]:
    courses = assessment.parts.values("quiz__course")
    lessons = Lesson.objects.filter(course__in=courses, factor__gt=0).values_list("factor", "title")
    return dict(lessons)


def counted_attempt_ids(assessment: Assessment) -> list[int]:
    """Each assigned person's best submitted attempt at each quiz (the latest of equal scores)."""
    attempts = (
        Attempt.objects.filter(
            scope=assessment.scope, submitted_at__isnull=False, user__assignments__assessment=assessment
        )
        .order_by("user_id", "quiz_id", "-score", "-submitted_at")
        .values_list("pk", "user_id", "quiz_id")
    )
    best: dict[tuple[int, int], int] = {}
    for pk, user_id, quiz_id in attempts:
        best.setdefault((user_id, quiz_id), pk)
    return list(best.values())


def counted_attempts(assessment: Assessment) -> dict[str, int]:
    """What the strengths count, for the page to say so."""
    ids = counted_attempt_ids(assessment)
    people = Attempt.objects.filter(pk__in=ids).values("user_id").distinct().count()
    return {"people": people, "attempts": len(ids)}


def factor_strengths(assessment: Assessment) -> list[FactorStrength]:
    """One row per factor asked, in factor order, over the counted attempts. Unanswered questions count as zero."""
    rows = (
        AttemptItem.objects.filter(attempt__in=counted_attempt_ids(assessment), version__factor__isnull=False)
        .values("version__factor")
        .annotate(
            possible=Sum("version__points"),
            earned=Coalesce(Sum(F("answers__credit") * F("version__points"), output_field=FloatField()), 0.0),
            questions=Count("pk"),
        )
        .order_by("version__factor")
    )
    names = factor_names(assessment)
    return [
        FactorStrength(
            factor=row["version__factor"],
            name=names.get(row["version__factor"], f"Factor {row['version__factor']}"),
            percent=round(100 * row["earned"] / row["possible"], 1) if row["possible"] else 0.0,
            questions=row["questions"],
        )
        for row in rows
        if row["version__factor"]  # factor 0: history and summary questions are not about one factor
    ]


def weak_factors(strengths: list[FactorStrength]) -> list[FactorStrength]:
    return sorted((s for s in strengths if s.weak), key=lambda s: s.percent)
