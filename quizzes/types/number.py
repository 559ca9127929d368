"""Number with tolerance: credit 1 if |given - answer| <= tolerance. Accepts a decimal comma and a trailing unit."""

from typing import Any

from quizzes.types import register
from quizzes.types.base import (
    Definition,
    IncompleteAnswer,
    ParsedAnswer,
    QuestionType,
    QuestionView,
    Report,
    Shown,
    is_number,
    is_text,
    parse_number,
)
from quizzes.types.short_text import typed_text


def validate(question: Definition, report: Report) -> None:
    if not is_number(question.get("answer")):
        report("answer", "answer must be a number")
    tolerance = question.get("tolerance", 0)
    if not is_number(tolerance) or tolerance < 0:
        report("tolerance", "tolerance must be a number, 0 or more")
    if "unit" in question and not is_text(question["unit"]):
        report("unit", "unit must be text")


def render(definition: Definition) -> dict[str, Any]:
    return {}


def parse(*, attempt, version, data) -> ParsedAnswer:
    text = typed_text(data)
    value = parse_number(text, version.definition.get("unit"))
    if value is None:
        raise IncompleteAnswer("Type a number, such as 30 or 2.5.")
    return ParsedAnswer({"answer": text}, value)


def grade(definition: Definition, response: Any) -> float:
    value = parse_number(response, definition.get("unit"))
    if value is None:
        return 0.0
    return 1.0 if abs(value - float(definition["answer"])) <= float(definition.get("tolerance", 0)) + 1e-9 else 0.0


def present(view: QuestionView, shown: Shown) -> None:
    view.text = shown.answer.given.get("answer", "") if shown.answer is not None else ""
    view.unit = shown.definition.get("unit", "")
    if shown.reveal:
        tolerance = shown.definition.get("tolerance", 0)
        view.expected_text = f"{shown.definition['answer']}" + (f" ± {tolerance}" if tolerance else "")
        view.expected_text += f" {view.unit}" if view.unit else ""


NUMBER = register(
    QuestionType(
        key="number",
        name="Number",
        label="Type a number",
        fields=frozenset({"answer", "tolerance", "unit"}),
        validate=validate,
        render=render,
        parse=parse,
        grade=grade,
        present=present,
        text_input=True,
    )
)
