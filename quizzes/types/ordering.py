"""Ordering: `all_or_nothing` gives 1 only for the exact order; `subsequence` gives (L - 1) / (n - 1), L the length of
the longest subsequence of the learner's order in the right relative order (exact: 1, reversed: 0). A response that
is not a permutation of the items scores 0."""

from typing import Any

from quizzes.rendering import render_inline
from quizzes.tokens import shuffled, tokens
from quizzes.types import register
from quizzes.types.base import (
    Definition,
    IncompleteAnswer,
    ParsedAnswer,
    QuestionType,
    QuestionView,
    Report,
    Row,
    Shown,
    TamperedAnswer,
    is_text,
    longest_increasing_subsequence,
)


def validate(question: Definition, report: Report) -> None:
    items = question.get("items")
    if not isinstance(items, list) or len(items) < 3 or not all(is_text(i) for i in items):
        report("items", "items must list at least three strings, in the correct order")
    elif len(set(items)) != len(items):
        report("items", "items must be distinct")
    if question.get("scoring", "all_or_nothing") not in {"subsequence", "all_or_nothing"}:
        report("scoring", "scoring must be subsequence or all_or_nothing")


def render(definition: Definition) -> dict[str, Any]:
    return {"items": [render_inline(item) for item in definition["items"]]}


def parse(*, attempt, version, data) -> ParsedAnswer:
    size = len(version.definition["items"])
    item_tokens = tokens(attempt, version, "item", size)
    positions: dict[int, int] = {}
    given = {}
    for index, item_token in enumerate(item_tokens):
        raw = data.get(f"position-{item_token}", "")
        given[f"position-{item_token}"] = raw
        if not raw.isdigit() or not 1 <= int(raw) <= size:
            raise TamperedAnswer("ordering position")
        positions[index] = int(raw)
    if len(set(positions.values())) != size:
        raise IncompleteAnswer("Give each step a different position.")
    return ParsedAnswer(given, sorted(positions, key=positions.__getitem__))


def grade(definition: Definition, response: Any) -> float:
    size = len(definition["items"])
    if not isinstance(response, list) or sorted(response, key=repr) != sorted(range(size), key=repr):
        return 0.0
    if response == list(range(size)):
        return 1.0
    if definition.get("scoring", "all_or_nothing") != "subsequence" or size < 2:
        return 0.0
    return (longest_increasing_subsequence(response) - 1) / (size - 1)


def present(view: QuestionView, shown: Shown) -> None:
    size = len(shown.definition["items"])
    names = tokens(shown.attempt, shown.version, "item", size)
    view.positions = list(range(1, size + 1))
    if shown.answer is not None:
        order = shown.response
    else:
        order = shuffled(shown.attempt, shown.version, "item", size, avoid_identity=True)
    for place, index in enumerate(order, start=1):
        row = Row(names[index], shown.rendered["items"][index], value=str(place))
        if shown.reveal:
            row.correct = index == place - 1
            row.expected = str(index + 1)
        view.rows.append(row)
    if shown.reveal:
        view.correct_order = list(shown.rendered["items"])


ORDERING = register(
    QuestionType(
        key="ordering",
        name="Ordering",
        label="Put the steps in order",
        fields=frozenset({"items", "scoring"}),
        validate=validate,
        render=render,
        parse=parse,
        grade=grade,
        present=present,
    )
)
