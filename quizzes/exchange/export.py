"""Quizzes from the database to an exchange format: the one place the command and the staff download read them."""

from collections.abc import Iterable

from quizzes.exchange import ExportReport, gift
from quizzes.models import Quiz


def quizzes_export_gift(*, quizzes: Iterable[Quiz]) -> tuple[str, ExportReport]:
    """The GIFT text of each quiz's published questions, and the report of those GIFT cannot hold."""
    report = ExportReport()
    parts = []
    for quiz in quizzes:
        questions = quiz.questions.filter(published=True, current_version__isnull=False).select_related(
            "current_version"
        )
        definitions = [question.current_version.definition for question in questions.order_by("order")]
        parts.append(gift.export_quiz(slug=quiz.slug, questions=definitions, report=report))
    return "\n".join(parts), report
