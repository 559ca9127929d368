"""Quizzes from the database to an exchange format: the one place the command and the staff download read them."""

from collections.abc import Iterable

from quizzes.exchange import Bank, ExportReport, exchange_format
from quizzes.models import Quiz


def quiz_bank(quiz: Quiz) -> Bank:
    """The quiz's published questions as exchanged, each definition with its factor (a lesson quiz's come from the
    lesson, so they are not in the definition)."""
    questions = quiz.questions.filter(published=True, current_version__isnull=False).select_related("current_version")
    definitions = []
    for question in questions.order_by("order"):
        version = question.current_version
        definition = dict(version.definition)
        if version.factor is not None:
            definition["factor"] = version.factor
        definitions.append(definition)
    return Bank(slug=quiz.slug, title=quiz.title, questions=definitions)


def quizzes_export(*, quizzes: Iterable[Quiz], format: str) -> tuple[bytes, ExportReport]:
    """The quizzes' questions in the format (its registry key), and the report of what it could not hold."""
    report = ExportReport()
    data = exchange_format(format).write([quiz_bank(quiz) for quiz in quizzes], report)
    return data, report
