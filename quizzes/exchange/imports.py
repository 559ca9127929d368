"""Questions from another platform's file, checked as content/ is checked (every problem with its file and line) and
saved only when every question is valid."""

from pathlib import Path

from django.db import transaction

from courses.content.errors import ContentError, ContentProblem
from quizzes.exchange import exchange_format
from quizzes.loader import load_question
from quizzes.models import Quiz
from quizzes.types import REGISTRY, question_type
from quizzes.types.base import Definition, Report, is_int, is_text

# An upload is a text file or a zip of small XML files; anything bigger is a mistake.
MAX_UPLOAD_BYTES = 2 * 1024 * 1024


def reporter(problems: list[ContentProblem], path: Path, line: int | None, label: str) -> Report:
    def report(field: str | None, message: str) -> None:
        problems.append(ContentProblem(path, line, f"{label}: {message}"))

    return report


def questions_read(*, data: bytes, filename: str, format: str) -> list[Definition]:
    """The file's questions as definitions, each validated by its type as content/ is; ContentError lists every
    problem with its line (and, in a package, its file). KeyError for a format no module registered."""
    read = exchange_format(format).read(data, filename)
    problems: list[ContentProblem] = []
    definitions: list[Definition] = []
    seen: set[str] = set()
    for number, question in enumerate(read, start=1):
        definition = dict(question.definition)
        key = definition.get("id") or f"question-{number}"
        unique, suffix = key, 2
        while unique in seen:
            unique, suffix = f"{key}-{suffix}", suffix + 1
        seen.add(unique)
        definition["id"] = unique

        report = reporter(problems, Path(question.path or filename), question.line, f"question {unique!r}")

        if definition.get("type") not in REGISTRY:
            report("type", f"type {definition.get('type')!r} is not one we can grade")
            continue
        if not is_text(definition.get("prompt")):
            report("prompt", "the question has no text")
        factor = definition.get("factor")
        if factor is not None and not (is_int(factor) and 0 <= factor <= 12):
            report("factor", "factor must be a whole number from 0 to 12")
        question_type(definition["type"]).validate(definition, report)
        definitions.append(definition)
    if problems:
        raise ContentError(problems)
    return definitions


@transaction.atomic
def questions_save(*, quiz: Quiz, definitions: list[Definition]) -> None:
    """Save read questions into the quiz, in file order, their HTML sanitised (the text is not ours)."""
    for order, definition in enumerate(definitions):
        load_question(quiz=quiz, definition=definition, order=order, untrusted=True)
