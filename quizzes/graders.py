"""One pure grading function per question type.

Each takes the question's definition (the dict loaded from the quiz file) and the learner's response in canonical
form (option, item and line indices, never the opaque ids shown in the page) and returns the credit earned, a
float from 0 to 1. Nothing here touches the database or the request, so the rules are tested directly.

Rules:
- single: 1 if the one picked option is the correct one, else 0 (several picks: 0).
- multiple, spot: +1/k per correct pick and -1/k per wrong pick, k = number of correct options (violating lines),
  floor 0. A duplicate pick counts once; an id that names no option counts as a wrong pick.
- true_false: 1 if the answer matches.
- ordering: `all_or_nothing`: 1 only for the exact order. `subsequence`: (L - 1) / (n - 1), where L is the length
  of the longest subsequence of the learner's order that is in the right relative order, so the exact order scores 1
  and the reversed order 0. A response that is not a permutation of the items scores 0.
- matching: the share of left-hand items matched to their right-hand partner.
- short_text: 1 if the text equals an accepted answer ignoring case and runs of whitespace, or matches `pattern` in
  full (case-insensitively).
- number: 1 if |given - answer| <= tolerance. Accepts a decimal comma and a trailing unit.
"""

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Any

Definition = dict[str, Any]

MAX_TEXT_LENGTH = 500


def _valid_indices(picks: Iterable[Any], size: int) -> tuple[set[int], int]:
    """Distinct in-range indices, and how many distinct picks named nothing."""
    valid: set[int] = set()
    unknown: set[Any] = set()
    for pick in picks:
        if isinstance(pick, int) and not isinstance(pick, bool) and 0 <= pick < size:
            valid.add(pick)
        else:
            unknown.add(repr(pick))
    return valid, len(unknown)


def _partial_credit(picked: set[int], correct: set[int], unknown: int) -> float:
    if not correct:
        return 0.0
    right = len(picked & correct)
    wrong = len(picked - correct) + unknown
    return max(0.0, (right - wrong) / len(correct))


def grade_single(definition: Definition, response: Any) -> float:
    options = definition["options"]
    picks = response if isinstance(response, list) else [response]
    if len(picks) != 1:
        return 0.0
    picked, unknown = _valid_indices(picks, len(options))
    if unknown or not picked:
        return 0.0
    return 1.0 if options[picked.pop()].get("correct") is True else 0.0


def grade_multiple(definition: Definition, response: Any) -> float:
    options = definition["options"]
    if not isinstance(response, list):
        return 0.0
    picked, unknown = _valid_indices(response, len(options))
    correct = {i for i, option in enumerate(options) if option.get("correct") is True}
    return _partial_credit(picked, correct, unknown)


def grade_spot(definition: Definition, response: Any) -> float:
    if not isinstance(response, list):
        return 0.0
    lines = len(definition["code"].rstrip("\n").split("\n"))
    # Lines are numbered from 1 in the file and on the page; shift them to indices for the shared rule.
    shifted = [x - 1 if isinstance(x, int) and not isinstance(x, bool) else x for x in response]
    picked, unknown = _valid_indices(shifted, lines)
    correct = {line - 1 for line in definition["violations"]}
    return _partial_credit(picked, correct, unknown)


def grade_true_false(definition: Definition, response: Any) -> float:
    if not isinstance(response, bool):
        return 0.0
    return 1.0 if response is definition["answer"] else 0.0


def longest_increasing_subsequence(sequence: list[int]) -> int:
    tails: list[int] = []
    for value in sequence:
        position = bisect_left(tails, value)
        if position == len(tails):
            tails.append(value)
        else:
            tails[position] = value
    return len(tails)


def grade_ordering(definition: Definition, response: Any) -> float:
    size = len(definition["items"])
    if not isinstance(response, list) or sorted(response, key=repr) != sorted(range(size), key=repr):
        return 0.0
    if response == list(range(size)):
        return 1.0
    if definition.get("scoring", "all_or_nothing") != "subsequence" or size < 2:
        return 0.0
    return (longest_increasing_subsequence(response) - 1) / (size - 1)


def grade_matching(definition: Definition, response: Any) -> float:
    size = len(definition["pairs"])
    if not isinstance(response, list) or len(response) != size:
        return 0.0
    # Right-hand item i belongs to left-hand item i; the page shows both sides under opaque ids, shuffled.
    return sum(1 for left, right in enumerate(response) if right == left and not isinstance(right, bool)) / size


def normalise_text(text: str) -> str:
    return " ".join(text.split()).casefold()


def grade_short_text(definition: Definition, response: Any) -> float:
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


NUMBER = re.compile(r"\s*([+-]?(?:\d+(?:[.,]\d*)?|[.,]\d+)(?:[eE][+-]?\d+)?)\s*([^\d\s].*)?\s*")


def parse_number(text: Any, unit: str | None = None) -> float | None:
    if isinstance(text, int | float) and not isinstance(text, bool):
        return float(text) if math.isfinite(text) else None
    if not isinstance(text, str) or len(text) > 64:
        return None
    match = NUMBER.fullmatch(text)
    if not match:
        return None
    suffix = (match.group(2) or "").strip()
    if suffix and (not unit or normalise_text(suffix) not in {normalise_text(unit), normalise_text(unit).rstrip("s")}):
        return None
    value = float(match.group(1).replace(",", "."))
    return value if math.isfinite(value) else None


def grade_number(definition: Definition, response: Any) -> float:
    value = parse_number(response, definition.get("unit"))
    if value is None:
        return 0.0
    return 1.0 if abs(value - float(definition["answer"])) <= float(definition.get("tolerance", 0)) + 1e-9 else 0.0


GRADERS: dict[str, Callable[[Definition, Any], float]] = {
    "single": grade_single,
    "multiple": grade_multiple,
    "true_false": grade_true_false,
    "ordering": grade_ordering,
    "matching": grade_matching,
    "short_text": grade_short_text,
    "number": grade_number,
    "spot": grade_spot,
}


def grade(definition: Definition, response: Any) -> float:
    return GRADERS[definition["type"]](definition, response)
