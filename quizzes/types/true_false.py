"""True or false: credit 1 if the answer matches."""

from typing import Any

from quizzes.rendering import render_inline
from quizzes.types import register
from quizzes.types.base import (
    Choice,
    Definition,
    IncompleteAnswer,
    ParsedAnswer,
    QuestionType,
    QuestionView,
    Report,
    Shown,
    TamperedAnswer,
    is_text,
)


def validate(question: Definition, report: Report) -> None:
    if not isinstance(question.get("answer"), bool):
        report("answer", "answer must be true or false")
    for key in ("feedback_true", "feedback_false"):
        if key in question and not is_text(question[key]):
            report(key, f"{key} must be text")


def render(definition: Definition) -> dict[str, Any]:
    return {
        "feedback": {
            "true": render_inline(definition["feedback_true"]) if definition.get("feedback_true") else "",
            "false": render_inline(definition["feedback_false"]) if definition.get("feedback_false") else "",
        }
    }


def parse(*, attempt, version, data) -> ParsedAnswer:
    value = data.get("answer")
    if value is None:
        raise IncompleteAnswer("Choose true or false.")
    if value not in {"true", "false"}:
        raise TamperedAnswer("true_false answer")
    return ParsedAnswer({"answer": value}, value == "true")


def grade(definition: Definition, response: Any) -> float:
    if not isinstance(response, bool):
        return 0.0
    return 1.0 if response is definition["answer"] else 0.0


def present(view: QuestionView, shown: Shown) -> None:
    for value, label in (("true", "True"), ("false", "False")):
        choice = Choice(value, label, selected=shown.answer is not None and shown.response is (value == "true"))
        if shown.reveal:
            choice.correct = shown.definition["answer"] is (value == "true")
            choice.feedback = shown.rendered["feedback"][value] if choice.selected else ""
        view.choices.append(choice)


TRUE_FALSE = register(
    QuestionType(
        key="true_false",
        name="True or false",
        label="True or false",
        fields=frozenset({"answer", "feedback_true", "feedback_false"}),
        validate=validate,
        render=render,
        parse=parse,
        grade=grade,
        present=present,
        pickable=True,
    )
)
