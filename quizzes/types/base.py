"""What every question type shares: the shape of a registry entry, the view a template shows, the errors a posted
answer can raise, and the small rules several types use (indices, text, numbers)."""

import math
import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, TypeGuard

Definition = dict[str, Any]
Report = Callable[[str | None, str], None]  # report(field, message): a problem at that field's line

MAX_TEXT_LENGTH = 500


class TamperedAnswer(Exception):
    """A value the page could not have produced (an unknown id, a position out of range)."""


class IncompleteAnswer(Exception):
    """An answer the learner left incomplete; str() is the message to show them."""


@dataclass(frozen=True)
class ParsedAnswer:
    given: dict[str, Any]
    response: Any  # canonical form (indices), as graded


@dataclass
class Choice:
    token: str
    html: str
    selected: bool = False
    correct: bool | None = None  # None until revealed
    feedback: str = ""


@dataclass
class Row:
    """An ordering item, a matching left-hand item or a code line."""

    token: str
    html: str
    value: str = ""  # chosen position, chosen right-hand token, or "" for code lines
    selected: bool = False
    correct: bool | None = None
    expected: str = ""  # revealed: the right position / partner
    feedback: str = ""
    number: int = 0


def question_dom_id(position: int) -> str:
    """The id of a question's element on the attempt page; its parts (status line, prompt, fields) add suffixes."""
    return f"question-{position}"


@dataclass(frozen=True)
class QuestionStatus:
    """A question's status line (answer_flow.html's `question_status`): all a save on change swaps back, so it needs
    none of the presenting (option ids, shuffles, rendered prompt) a whole QuestionView does."""

    position: int
    answered: bool
    error: str = ""
    locked: bool = False

    @property
    def dom_id(self) -> str:
        return question_dom_id(self.position)


@dataclass
class QuestionView:
    position: int
    total: int
    type: str
    type_label: str
    template: str
    prompt_html: str
    points: int
    action: str
    answered: bool
    editable: bool
    revealed: bool
    choices: list[Choice] = field(default_factory=list)
    rows: list[Row] = field(default_factory=list)
    right_options: list[Choice] = field(default_factory=list)  # matching: the select's options, shuffled
    positions: list[int] = field(default_factory=list)
    text: str = ""
    unit: str = ""
    language: str = ""
    text_input: bool = False  # saved after a pause in typing rather than on change
    # Filled only when revealed.
    credit: float | None = None
    outcome: str = ""
    expected_text: str = ""
    correct_order: list[str] = field(default_factory=list)
    explanation_html: str = ""
    lesson_url: str = ""
    error: str = ""
    locked: bool = False

    @property
    def dom_id(self) -> str:
        return question_dom_id(self.position)


@dataclass(frozen=True)
class Shown:
    """What `present` needs to fill a view: the attempt (for opaque ids and shuffles), the stored response (None if
    unanswered) and whether the key may be shown."""

    attempt: Any
    version: Any
    definition: Definition
    rendered: dict[str, Any]
    answer: Any
    response: Any
    reveal: bool
    shuffle_options: bool


@dataclass(frozen=True)
class QuestionType:
    """One registry entry: every step a question of this type goes through.

    validate(question, report): the quiz file's fields (loader); render(definition) -> extra stored HTML;
    parse(attempt, version, data) -> ParsedAnswer (the posted form); grade(definition, response) -> credit 0-1;
    present(view, shown): fill the view a template shows, with the key only when revealed.
    """

    key: str
    name: str  # what editors and the admin call it
    label: str  # the instruction shown above a question
    fields: frozenset[str]  # the type's own fields in the quiz file
    validate: Callable[[Definition, Report], None]
    render: Callable[[Definition], dict[str, Any]]
    parse: Callable[..., ParsedAnswer]
    grade: Callable[[Definition, Any], float]
    present: Callable[[QuestionView, Shown], None]
    text_input: bool = False
    pickable: bool = False  # options a room picks from, charted per option in workshop reports

    @property
    def template(self) -> str:
        return f"quizzes/types/{self.key}.html"


def is_int(value: Any) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_text(value: Any) -> TypeGuard[str]:
    return isinstance(value, str) and bool(value.strip())


def lookup(values: list[str], known: list[str]) -> list[int]:
    index = {value: i for i, value in enumerate(known)}
    try:
        return [index[value] for value in values]
    except KeyError:
        raise TamperedAnswer("unknown option id") from None


def valid_indices(picks: Iterable[Any], size: int) -> tuple[set[int], int]:
    """Distinct in-range indices, and how many distinct picks named nothing."""
    valid: set[int] = set()
    unknown: set[Any] = set()
    for pick in picks:
        if isinstance(pick, int) and not isinstance(pick, bool) and 0 <= pick < size:
            valid.add(pick)
        else:
            unknown.add(repr(pick))
    return valid, len(unknown)


def partial_credit(picked: set[int], correct: set[int], unknown: int) -> float:
    if not correct:
        return 0.0
    right = len(picked & correct)
    wrong = len(picked - correct) + unknown
    return max(0.0, (right - wrong) / len(correct))


def longest_increasing_subsequence(sequence: list[int]) -> int:
    tails: list[int] = []
    for value in sequence:
        position = bisect_left(tails, value)
        if position == len(tails):
            tails.append(value)
        else:
            tails[position] = value
    return len(tails)


def normalise_text(text: str) -> str:
    return " ".join(text.split()).casefold()


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
