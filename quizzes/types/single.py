"""Single choice: one correct option; credit 1 for it, 0 otherwise (several picks: 0)."""

from typing import Any

from quizzes.types import register
from quizzes.types.base import Definition, QuestionType, Report, valid_indices
from quizzes.types.choices import check_options, parse_picks, present_options, render_options


def validate(question: Definition, report: Report) -> None:
    options = check_options(question, report)
    if options and sum(o.get("correct") is True for o in options) != 1:
        report("options", "a single-choice question has exactly one correct option")


def parse(*, attempt, version, data):
    return parse_picks(attempt=attempt, version=version, data=data, single=True)


def grade(definition: Definition, response: Any) -> float:
    options = definition["options"]
    picks = response if isinstance(response, list) else [response]
    if len(picks) != 1:
        return 0.0
    picked, unknown = valid_indices(picks, len(options))
    if unknown or not picked:
        return 0.0
    return 1.0 if options[picked.pop()].get("correct") is True else 0.0


SINGLE = register(
    QuestionType(
        key="single",
        name="Single choice",
        label="Choose one answer",
        fields=frozenset({"options"}),
        validate=validate,
        render=render_options,
        parse=parse,
        grade=grade,
        present=present_options,
        pickable=True,
    )
)
