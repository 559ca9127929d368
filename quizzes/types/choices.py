"""Single and multiple choice share their options: validation, rendering, parsing and presentation."""

from typing import Any

from quizzes.rendering import render_inline
from quizzes.tokens import shuffled, tokens
from quizzes.types.base import (
    Choice,
    Definition,
    IncompleteAnswer,
    ParsedAnswer,
    QuestionView,
    Report,
    Shown,
    TamperedAnswer,
    is_text,
    lookup,
)


def check_options(question: Definition, report: Report) -> list[dict[str, Any]]:
    options = question.get("options")
    if not isinstance(options, list) or len(options) < 2:
        report("options", "options must list at least two choices")
        return []
    texts = set()
    for number, option in enumerate(options, start=1):
        if not isinstance(option, dict):
            report("options", f"option {number} must be a mapping with text and correct")
            continue
        for key in sorted(set(option) - {"text", "correct", "feedback"}, key=str):
            report("options", f"option {number}: unknown field {key!r}")
        if not is_text(option.get("text")):
            report("options", f"option {number}: text must be a string (quote values such as yes, no, on, 1.0)")
        elif option["text"] in texts:
            report("options", f"option {number}: the same text appears twice")
        else:
            texts.add(option["text"])
        if not isinstance(option.get("correct"), bool):
            report("options", f"option {number}: correct must be true or false")
        if "feedback" in option and not is_text(option["feedback"]):
            report("options", f"option {number}: feedback must be text")
    return [o for o in options if isinstance(o, dict)]


def render_options(definition: Definition) -> dict[str, Any]:
    return {
        "options": [render_inline(o["text"]) for o in definition["options"]],
        "feedback": [render_inline(o["feedback"]) if o.get("feedback") else "" for o in definition["options"]],
    }


def parse_picks(*, attempt, version, data, single: bool) -> ParsedAnswer:
    picks = data.getlist("answer")
    if not picks:
        raise IncompleteAnswer("Choose an answer." if single else "Choose at least one answer.")
    if single and len(picks) > 1:
        raise TamperedAnswer("several picks for a single-choice question")
    indices = lookup(picks, tokens(attempt, version, "option", len(version.definition["options"])))
    return ParsedAnswer({"answer": picks}, indices[0] if single else sorted(set(indices)))


def present_options(view: QuestionView, shown: Shown) -> None:
    definition, rendered, response = shown.definition, shown.rendered, shown.response
    size = len(definition["options"])
    names = tokens(shown.attempt, shown.version, "option", size)
    order = shuffled(shown.attempt, shown.version, "option", size) if shown.shuffle_options else list(range(size))
    picked = set(response if isinstance(response, list) else [response]) if shown.answer is not None else set()
    for index in order:
        choice = Choice(names[index], rendered["options"][index], selected=index in picked)
        if shown.reveal:
            choice.correct = definition["options"][index]["correct"] is True
            choice.feedback = rendered["feedback"][index]
        view.choices.append(choice)
