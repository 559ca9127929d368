"""The team's strength per factor: the share of points earned on each factor's questions in submitted attempts."""

from dataclasses import dataclass

from django.db.models import Count, F, FloatField, Sum
from django.db.models.functions import Coalesce

from courses.models import Lesson
from quizzes.models import AttemptItem
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


def factor_strengths(assessment: Assessment) -> list[FactorStrength]:
    """One row per factor asked, in factor order. Unanswered questions count as zero."""
    rows = (
        AttemptItem.objects.filter(
            attempt__scope=assessment.scope,
            attempt__submitted_at__isnull=False,
            attempt__user__assignments__assessment=assessment,
            version__factor__isnull=False,
        )
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
