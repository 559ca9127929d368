import pytest

from quizzes.graders import grade
from quizzes.types.base import longest_increasing_subsequence, parse_number
from quizzes.types.multiple import grade as grade_multiple
from quizzes.types.ordering import grade as grade_ordering

SINGLE = {
    "type": "single",
    "options": [{"text": "a", "correct": False}, {"text": "b", "correct": True}, {"text": "c", "correct": False}],
}
MULTIPLE = {
    "type": "multiple",
    "options": [
        {"text": "a", "correct": True},
        {"text": "b", "correct": True},
        {"text": "c", "correct": False},
        {"text": "d", "correct": False},
    ],
}
TRUE_FALSE = {"type": "true_false", "answer": False}
ORDER_SUB = {"type": "ordering", "items": ["a", "b", "c", "d", "e"], "scoring": "subsequence"}
ORDER_ALL = {"type": "ordering", "items": ["a", "b", "c", "d"], "scoring": "all_or_nothing"}
MATCHING = {
    "type": "matching",
    "pairs": [
        {"left": "x", "right": "1"},
        {"left": "y", "right": "2"},
        {"left": "z", "right": "3"},
        {"left": "w", "right": "4"},
    ],
}
SHORT = {"type": "short_text", "accepted": [".env.example", "env example"], "pattern": r"\.?env[._-]?(example|sample)"}
NUMBER = {"type": "number", "answer": 30, "tolerance": 0.5, "unit": "seconds"}
SPOT = {"type": "spot", "code": "a\nb\nc\nd\ne\n", "violations": [2, 4]}


@pytest.mark.parametrize(
    ("response", "credit"),
    [
        (1, 1.0),
        (0, 0.0),
        ([1], 1.0),
        ([1, 0], 0.0),
        ([1, 1], 0.0),
        (None, 0.0),
        ([], 0.0),
        (7, 0.0),
        (-2, 0.0),
        ("1", 0.0),
        (True, 0.0),
    ],
)
def test_single(response, credit):
    assert grade(SINGLE, response) == credit


@pytest.mark.parametrize(
    ("response", "credit"),
    [
        ([0, 1], 1.0),  # both correct picks
        ([0], 0.5),  # +1/k for one of k=2
        ([0, 2], 0.0),  # +1/2 - 1/2
        ([0, 1, 2], 0.5),  # one wrong pick costs 1/k
        ([0, 1, 2, 3], 0.0),  # every option picked: floor at 0
        ([2, 3], 0.0),  # negative is floored
        ([], 0.0),  # empty answer
        ([0, 0, 0], 0.5),  # duplicate picks count once
        ([0, 1, 99], 0.5),  # an unknown option id counts as a wrong pick
        ([0, 1, "1"], 0.5),  # so does a tampered value of the wrong type
        ("0,1", 0.0),
        (None, 0.0),
    ],
)
def test_multiple_partial_credit(response, credit):
    assert grade_multiple(MULTIPLE, response) == pytest.approx(credit)


def test_multiple_with_a_single_correct_option_is_all_or_nothing_minus_wrong_picks():
    definition = {"options": [{"text": "a", "correct": True}, {"text": "b", "correct": False}]}
    assert grade_multiple(definition, [0]) == 1.0
    assert grade_multiple(definition, [0, 1]) == 0.0


@pytest.mark.parametrize(("response", "credit"), [(False, 1.0), (True, 0.0), (None, 0.0), ("false", 0.0), (0, 0.0)])
def test_true_false(response, credit):
    assert grade(TRUE_FALSE, response) == credit


def test_longest_increasing_subsequence():
    assert longest_increasing_subsequence([]) == 0
    assert longest_increasing_subsequence([0, 1, 2]) == 3
    assert longest_increasing_subsequence([2, 1, 0]) == 1
    assert longest_increasing_subsequence([1, 0, 2, 4, 3]) == 3


@pytest.mark.parametrize(
    ("response", "credit"),
    [
        ([0, 1, 2, 3, 4], 1.0),
        ([4, 3, 2, 1, 0], 0.0),  # reversed: longest ordered run is 1 item → (1-1)/(5-1)
        ([1, 0, 2, 3, 4], 0.75),  # one swap: 4 of 5 in order → 3/4
        ([0, 1, 2, 4, 3], 0.75),
        ([4, 0, 1, 2, 3], 0.75),  # last step moved to the front
        ([0, 1, 2, 3], 0.0),  # an item missing
        ([0, 1, 2, 3, 3], 0.0),  # a duplicate
        ([0, 1, 2, 3, 9], 0.0),  # an unknown item
        ([], 0.0),
        (None, 0.0),
    ],
)
def test_ordering_subsequence(response, credit):
    assert grade_ordering(ORDER_SUB, response) == pytest.approx(credit)


def test_ordering_all_or_nothing():
    assert grade(ORDER_ALL, [0, 1, 2, 3]) == 1.0
    assert grade(ORDER_ALL, [0, 1, 3, 2]) == 0.0
    assert grade(ORDER_ALL, [True, 1, 2, 3]) == 0.0  # True == 1 in Python, but it is not an item index


@pytest.mark.parametrize(
    ("response", "credit"),
    [
        ([0, 1, 2, 3], 1.0),
        ([1, 0, 2, 3], 0.5),
        ([0, 0, 0, 0], 0.25),  # the same right-hand item chosen everywhere scores only where it belongs
        ([3, 2, 1, 0], 0.0),
        ([0, 1, 2], 0.0),  # a pair missing: tampered
        ([0, 1, 2, None], 0.75),
        ([0, 1, 2, 99], 0.75),
        (None, 0.0),
        ({"0": 0}, 0.0),
    ],
)
def test_matching_per_pair(response, credit):
    assert grade(MATCHING, response) == pytest.approx(credit)


@pytest.mark.parametrize(
    ("response", "credit"),
    [
        (".env.example", 1.0),
        ("  .ENV.Example ", 1.0),  # case and surrounding whitespace
        ("env    example", 1.0),  # runs of whitespace
        ("env.sample", 1.0),  # the pattern, matched in full, case-insensitively
        ("ENV_SAMPLE", 1.0),
        ("my .env.example file", 0.0),  # the pattern must match in full
        (".env", 0.0),
        ("", 0.0),
        ("   ", 0.0),
        (None, 0.0),
        (["x"], 0.0),
        ("x" * 10_000, 0.0),
    ],
)
def test_short_text(response, credit):
    assert grade(SHORT, response) == credit


def test_short_text_without_pattern():
    assert grade({"type": "short_text", "accepted": ["SIGTERM"]}, "sigterm") == 1.0
    assert grade({"type": "short_text", "accepted": ["SIGTERM"]}, "SIGKILL") == 0.0


@pytest.mark.parametrize(
    ("response", "credit"),
    [
        ("30", 1.0),
        ("30.5", 1.0),  # within tolerance
        ("29,5", 1.0),  # decimal comma
        ("31", 0.0),
        (" 30 seconds", 1.0),  # the unit may follow
        ("30 second", 1.0),
        ("30 minutes", 0.0),  # another unit is not the same answer
        ("3e1", 1.0),
        ("thirty", 0.0),
        ("", 0.0),
        ("nan", 0.0),
        ("inf", 0.0),
        (30, 1.0),
        (float("nan"), 0.0),
        (None, 0.0),
        (True, 0.0),
    ],
)
def test_number_with_tolerance(response, credit):
    assert grade(NUMBER, response) == credit


def test_number_exact_without_tolerance():
    assert grade({"type": "number", "answer": 3}, "3") == 1.0
    assert grade({"type": "number", "answer": 3}, "3.01") == 0.0
    assert parse_number("12 s") is None  # no unit declared: no suffix accepted


@pytest.mark.parametrize(
    ("response", "credit"),
    [
        ([2, 4], 1.0),
        ([2], 0.5),
        ([2, 4, 1], 0.5),
        ([1, 2, 3, 4, 5], 0.0),  # every line picked
        ([2, 2, 4, 4], 1.0),  # duplicates count once
        ([2, 4, 6], 0.5),  # line 6 does not exist: a wrong pick
        ([0], 0.0),
        ([], 0.0),
        (None, 0.0),
    ],
)
def test_spot_credit_per_line(response, credit):
    assert grade(SPOT, response) == pytest.approx(credit)
