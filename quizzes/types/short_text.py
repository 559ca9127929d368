"""Short text: credit 1 if the text equals an accepted answer ignoring case and runs of whitespace, or matches
`pattern` in full (case-insensitively)."""

import re
from typing import Any

from quizzes.types import register
from quizzes.types.base import (
    MAX_TEXT_LENGTH,
    Definition,
    IncompleteAnswer,
    ParsedAnswer,
    QuestionType,
    QuestionView,
    Report,
    Shown,
    is_text,
    normalise_text,
)


def validate(question: Definition, report: Report) -> None:
    accepted = question.get("accepted", [])
    if not isinstance(accepted, list) or not all(is_text(a) for a in accepted):
        report("accepted", "accepted must be a list of strings")
    pattern = question.get("pattern")
    if pattern is not None:
        try:
            re.compile(pattern)
        except (re.error, TypeError) as error:
            report("pattern", f"pattern is not a valid regular expression: {error}")
    if not accepted and not pattern:
        report("accepted", "give accepted answers, a pattern, or both")


def render(definition: Definition) -> dict[str, Any]:
    return {}


def typed_text(data) -> str:
    text = data.get("answer", "")
    if not text.strip():
        raise IncompleteAnswer("Type an answer.")
    if len(text) > MAX_TEXT_LENGTH:
        raise IncompleteAnswer(f"Keep the answer under {MAX_TEXT_LENGTH} characters.")
    return text


def parse(*, attempt, version, data) -> ParsedAnswer:
    text = typed_text(data)
    return ParsedAnswer({"answer": text}, text)


def grade(definition: Definition, response: Any) -> float:
    if not isinstance(response, str) or len(response) > MAX_TEXT_LENGTH:
        return 0.0
    given = normalise_text(response)
    if not given:
        return 0.0
    if any(given == normalise_text(accepted) for accepted in definition.get("accepted", [])):
        return 1.0
    pattern = definition.get("pattern")
    if pattern and re.fullmatch(pattern, " ".join(response.split()), flags=re.IGNORECASE):
        return 1.0
    return 0.0


def present(view: QuestionView, shown: Shown) -> None:
    view.text = shown.answer.given.get("answer", "") if shown.answer is not None else ""
    if shown.reveal:
        view.expected_text = ", ".join(shown.definition.get("accepted", [])) or "(any answer matching the pattern)"


SHORT_TEXT = register(
    QuestionType(
        key="short_text",
        name="Short text",
        label="Type your answer",
        fields=frozenset({"accepted", "pattern"}),
        validate=validate,
        render=render,
        parse=parse,
        grade=grade,
        present=present,
        text_input=True,
    )
)
