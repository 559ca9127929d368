"""Matching: credit is the share of left-hand items matched to their right-hand partner."""

from typing import Any

from quizzes.rendering import html_to_text, render_inline
from quizzes.tokens import shuffled, tokens
from quizzes.types import register
from quizzes.types.base import (
    Choice,
    Definition,
    IncompleteAnswer,
    ParsedAnswer,
    QuestionType,
    QuestionView,
    Report,
    Row,
    Shown,
    is_text,
    lookup,
)


def validate(question: Definition, report: Report) -> None:
    pairs = question.get("pairs")
    if not isinstance(pairs, list) or len(pairs) < 2:
        report("pairs", "pairs must list at least two {left, right} pairs")
        return
    if not all(isinstance(p, dict) and set(p) == {"left", "right"} and all(map(is_text, p.values())) for p in pairs):
        report("pairs", "each pair has exactly a text `left` and a text `right`")
        return
    for side in ("left", "right"):
        if len({p[side] for p in pairs}) != len(pairs):
            report("pairs", f"every {side} must be distinct")


def render(definition: Definition) -> dict[str, Any]:
    right = [render_inline(pair["right"]) for pair in definition["pairs"]]
    return {
        "left": [render_inline(pair["left"]) for pair in definition["pairs"]],
        "right": right,
        "right_plain": [html_to_text(html) for html in right],  # a <select>'s options hold text only
    }


def parse(*, attempt, version, data) -> ParsedAnswer:
    size = len(version.definition["pairs"])
    left_tokens = tokens(attempt, version, "left", size)
    right_tokens = tokens(attempt, version, "right", size)
    given = {f"match-{t}": data.get(f"match-{t}", "") for t in left_tokens}
    if any(not value for value in given.values()):
        raise IncompleteAnswer("Match every item.")
    return ParsedAnswer(given, lookup(list(given.values()), right_tokens))


def grade(definition: Definition, response: Any) -> float:
    size = len(definition["pairs"])
    if not isinstance(response, list) or len(response) != size:
        return 0.0
    # Right-hand item i belongs to left-hand item i; the page shows both sides under opaque ids, shuffled.
    return sum(1 for left, right in enumerate(response) if right == left and not isinstance(right, bool)) / size


def present(view: QuestionView, shown: Shown) -> None:
    definition, rendered = shown.definition, shown.rendered
    size = len(definition["pairs"])
    lefts = tokens(shown.attempt, shown.version, "left", size)
    rights = tokens(shown.attempt, shown.version, "right", size)
    left_order = shuffled(shown.attempt, shown.version, "left", size) if shown.shuffle_options else list(range(size))
    right_order = shuffled(shown.attempt, shown.version, "right", size, avoid_identity=True)
    plain = rendered.get("right_plain") or [pair["right"] for pair in definition["pairs"]]
    view.right_options = [Choice(rights[index], plain[index]) for index in right_order]
    for index in left_order:
        chosen = shown.response[index] if shown.answer is not None else None
        row = Row(lefts[index], rendered["left"][index], value=rights[chosen] if isinstance(chosen, int) else "")
        if shown.reveal:
            row.correct = chosen == index
            row.expected = rendered["right"][index]
        view.rows.append(row)


MATCHING = register(
    QuestionType(
        key="matching",
        name="Matching",
        label="Match each item",
        fields=frozenset({"pairs"}),
        validate=validate,
        render=render,
        parse=parse,
        grade=grade,
        present=present,
    )
)
