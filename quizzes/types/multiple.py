"""Multiple choice with partial credit: +1/k per correct pick and -1/k per wrong pick (k correct options), floor 0.
A duplicate pick counts once; an id that names no option counts as a wrong pick."""

from typing import Any

from quizzes.types import register
from quizzes.types.base import Definition, QuestionType, Report, partial_credit, valid_indices
from quizzes.types.choices import check_options, parse_picks, present_options, render_options


def validate(question: Definition, report: Report) -> None:
    options = check_options(question, report)
    if options and not any(o.get("correct") is True for o in options):
        report("options", "a multiple-choice question needs at least one correct option")


def parse(*, attempt, version, data):
    return parse_picks(attempt=attempt, version=version, data=data, single=False)


def grade(definition: Definition, response: Any) -> float:
    options = definition["options"]
    if not isinstance(response, list):
        return 0.0
    picked, unknown = valid_indices(response, len(options))
    correct = {i for i, option in enumerate(options) if option.get("correct") is True}
    return partial_credit(picked, correct, unknown)


MULTIPLE = register(
    QuestionType(
        key="multiple",
        name="Multiple choice",
        label="Choose every answer that applies",
        fields=frozenset({"options"}),
        validate=validate,
        render=render_options,
        parse=parse,
        grade=grade,
        present=present_options,
        pickable=True,
    )
)
