"""What a template may show of a question, built in Python so templates only display.

`question_view(..., reveal=False)` copies nothing from the answer key: no correct flag, no feedback, no explanation,
no accepted answer. Only with `reveal=True` (after the answer is graded, per the quiz's feedback policy) are the key,
the feedback and the explanation added.
"""

from dataclasses import dataclass, field

from django.urls import reverse

from quizzes.models import Answer, Attempt, AttemptItem, Quiz
from quizzes.tokens import shuffled, tokens

TYPE_LABELS = {
    "single": "Choose one answer",
    "multiple": "Choose every answer that applies",
    "true_false": "True or false",
    "ordering": "Put the steps in order",
    "matching": "Match each item",
    "short_text": "Type your answer",
    "number": "Type a number",
    "spot": "Spot the violation: select the offending lines",
}


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


@dataclass
class QuestionView:
    position: int
    total: int
    type: str
    type_label: str
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
        return f"question-{self.position}"


def lesson_url(course_slug: str, lesson_slug: str, anchor: str) -> str:
    return f"/courses/{course_slug}/{lesson_slug}/#{anchor}"


def outcome_of(credit: float) -> str:
    if credit >= 0.999:
        return "correct"
    return "partial" if credit > 0 else "incorrect"


def should_reveal(quiz: Quiz, attempt: Attempt, answer: Answer | None) -> bool:
    if attempt.submitted_at is not None:
        return True
    return answer is not None and quiz.feedback == Quiz.Feedback.IMMEDIATE


def question_view(
    *,
    quiz: Quiz,
    attempt: Attempt,
    item: AttemptItem,
    total: int,
    answer: Answer | None,
    reveal: bool,
    editable: bool,
    error: str = "",
    locked: bool = False,
) -> QuestionView:
    version = item.version
    definition = version.definition
    rendered = version.rendered
    response = answer.response if answer is not None else None
    kind = version.type
    view = QuestionView(
        position=item.position,
        total=total,
        type=kind,
        type_label=TYPE_LABELS[kind],
        prompt_html=rendered["prompt"],
        points=version.points,
        action=reverse("quizzes:answer", args=[quiz.course.slug, quiz.slug, attempt.number, item.position]),
        answered=answer is not None,
        editable=editable and not (reveal and answer is not None),
        revealed=reveal,
        error=error,
        locked=locked,
    )
    if kind in {"single", "multiple"}:
        size = len(definition["options"])
        names = tokens(attempt, version, "option", size)
        order = shuffled(attempt, version, "option", size) if quiz.shuffle_options else list(range(size))
        picked = set(response if isinstance(response, list) else [response]) if answer is not None else set()
        for index in order:
            choice = Choice(names[index], rendered["options"][index], selected=index in picked)
            if reveal:
                choice.correct = definition["options"][index]["correct"] is True
                choice.feedback = rendered["feedback"][index]
            view.choices.append(choice)
    elif kind == "true_false":
        for value, label in (("true", "True"), ("false", "False")):
            choice = Choice(value, label, selected=answer is not None and response is (value == "true"))
            if reveal:
                choice.correct = definition["answer"] is (value == "true")
                choice.feedback = rendered["feedback"][value] if choice.selected else ""
            view.choices.append(choice)
    elif kind == "ordering":
        size = len(definition["items"])
        names = tokens(attempt, version, "item", size)
        view.positions = list(range(1, size + 1))
        order = response if answer is not None else shuffled(attempt, version, "item", size, avoid_identity=True)
        for place, index in enumerate(order, start=1):
            row = Row(names[index], rendered["items"][index], value=str(place))
            if reveal:
                row.correct = index == place - 1
                row.expected = str(index + 1)
            view.rows.append(row)
        if reveal:
            view.correct_order = list(rendered["items"])
    elif kind == "matching":
        size = len(definition["pairs"])
        lefts = tokens(attempt, version, "left", size)
        rights = tokens(attempt, version, "right", size)
        left_order = shuffled(attempt, version, "left", size) if quiz.shuffle_options else list(range(size))
        right_order = shuffled(attempt, version, "right", size, avoid_identity=True)
        plain = rendered.get("right_plain") or [pair["right"] for pair in definition["pairs"]]
        view.right_options = [Choice(rights[index], plain[index]) for index in right_order]
        for index in left_order:
            chosen = response[index] if answer is not None else None
            row = Row(lefts[index], rendered["left"][index], value=rights[chosen] if isinstance(chosen, int) else "")
            if reveal:
                row.correct = chosen == index
                row.expected = rendered["right"][index]
            view.rows.append(row)
    elif kind in {"short_text", "number"}:
        view.text = answer.given.get("answer", "") if answer is not None else ""
        view.unit = definition.get("unit", "") if kind == "number" else ""
        if reveal:
            if kind == "number":
                tolerance = definition.get("tolerance", 0)
                view.expected_text = f"{definition['answer']}" + (f" ± {tolerance}" if tolerance else "")
                view.expected_text += f" {view.unit}" if view.unit else ""
            else:
                view.expected_text = ", ".join(definition.get("accepted", [])) or "(any answer matching the pattern)"
    elif kind == "spot":
        view.language = definition["language"]
        picked = set(response or [])
        violations = set(definition["violations"])
        for number, html in enumerate(rendered["lines"], start=1):
            row = Row(str(number), html, selected=number in picked, number=number)
            if reveal:
                row.correct = number in violations
                row.feedback = rendered["line_feedback"].get(str(number), "") if number in picked | violations else ""
            view.rows.append(row)
    if reveal and answer is not None:
        view.credit = answer.credit
        view.outcome = outcome_of(answer.credit)
    if reveal:
        view.explanation_html = rendered["explanation"]
        view.lesson_url = lesson_url(quiz.course.slug, version.lesson_slug, version.anchor)
    return view
