"""Turn a posted answer form (opaque ids) into the canonical response the graders take (indices).

A value the page could not have produced (an unknown id, a position out of range) is a tampered post and raises
TamperedAnswer; an answer the learner left incomplete raises IncompleteAnswer with a message to show them.
"""

from dataclasses import dataclass
from typing import Any

from django.http import QueryDict

from quizzes.graders import MAX_TEXT_LENGTH, parse_number
from quizzes.models import Attempt, QuestionVersion
from quizzes.tokens import tokens


class TamperedAnswer(Exception):
    pass


class IncompleteAnswer(Exception):
    pass


@dataclass(frozen=True)
class ParsedAnswer:
    given: dict[str, Any]
    response: Any


def _lookup(values: list[str], known: list[str]) -> list[int]:
    index = {value: i for i, value in enumerate(known)}
    try:
        return [index[value] for value in values]
    except KeyError:
        raise TamperedAnswer("unknown option id") from None


def parse_answer(*, attempt: Attempt, version: QuestionVersion, data: QueryDict) -> ParsedAnswer:
    definition = version.definition
    kind = version.type
    if kind in {"single", "multiple"}:
        picks = data.getlist("answer")
        if not picks:
            raise IncompleteAnswer("Choose an answer." if kind == "single" else "Choose at least one answer.")
        if kind == "single" and len(picks) > 1:
            raise TamperedAnswer("several picks for a single-choice question")
        indices = _lookup(picks, tokens(attempt, version, "option", len(definition["options"])))
        response: Any = indices[0] if kind == "single" else sorted(set(indices))
        return ParsedAnswer({"answer": picks}, response)
    if kind == "true_false":
        value = data.get("answer")
        if value is None:
            raise IncompleteAnswer("Choose true or false.")
        if value not in {"true", "false"}:
            raise TamperedAnswer("true_false answer")
        return ParsedAnswer({"answer": value}, value == "true")
    if kind == "ordering":
        size = len(definition["items"])
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
    if kind == "matching":
        size = len(definition["pairs"])
        left_tokens = tokens(attempt, version, "left", size)
        right_tokens = tokens(attempt, version, "right", size)
        given = {f"match-{t}": data.get(f"match-{t}", "") for t in left_tokens}
        if any(not value for value in given.values()):
            raise IncompleteAnswer("Match every item.")
        return ParsedAnswer(given, _lookup(list(given.values()), right_tokens))
    if kind in {"short_text", "number"}:
        text = data.get("answer", "")
        if not text.strip():
            raise IncompleteAnswer("Type an answer.")
        if len(text) > MAX_TEXT_LENGTH:
            raise IncompleteAnswer(f"Keep the answer under {MAX_TEXT_LENGTH} characters.")
        if kind == "number":
            value = parse_number(text, definition.get("unit"))
            if value is None:
                raise IncompleteAnswer("Type a number, such as 30 or 2.5.")
            return ParsedAnswer({"answer": text}, value)
        return ParsedAnswer({"answer": text}, text)
    if kind == "spot":
        size = len(definition["code"].rstrip("\n").split("\n"))
        picks = data.getlist("line")
        if not picks:
            raise IncompleteAnswer("Select at least one line.")
        if not all(p.isdigit() and 1 <= int(p) <= size for p in picks):
            raise TamperedAnswer("line number")
        return ParsedAnswer({"line": picks}, sorted({int(p) for p in picks}))
    raise TamperedAnswer(f"unknown question type {kind}")
