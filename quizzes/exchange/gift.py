"""GIFT, Moodle's plain-text question format (https://docs.moodle.org/en/GIFT_format).

Each type GIFT can hold has one entry in ANSWERS; a type without one is reported as skipped."""

from collections.abc import Callable, Iterable
from typing import Any

from quizzes.exchange import ExportReport

Definition = dict[str, Any]

# Characters GIFT gives a meaning to; a backslash makes them literal.
SPECIAL = "~=#{}:"


def escape(text: str) -> str:
    text = text.strip().replace("\\", "\\\\")
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    # A blank line ends a GIFT question, so line breaks are written as GIFT's \n escape.
    return text.replace("\n", "\\n")


def feedback(text: str | None) -> str:
    return f"#{escape(text)}" if text else ""


def choice_answers(question: Definition) -> str:
    options = question["options"]
    if question["type"] == "single":
        marks = ["=" if option["correct"] else "~" for option in options]
    else:
        # Moodle's multiple-answer form: weights on the correct options sum to 100, wrong ones take it all back.
        right = sum(option["correct"] for option in options)
        marks = [f"~%{weight(100 / right)}%" if option["correct"] else "~%-100%" for option in options]
    return " ".join(
        f"{mark}{escape(option['text'])}{feedback(option.get('feedback'))}"
        for mark, option in zip(marks, options, strict=True)
    )


def weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def true_false_answer(question: Definition) -> str:
    # GIFT gives feedback for a wrong answer first, then for a right one.
    answer = question["answer"]
    wrong = question.get("feedback_false" if answer else "feedback_true")
    right = question.get("feedback_true" if answer else "feedback_false")
    tail = f"{feedback(wrong) or '#'}{feedback(right)}" if right else feedback(wrong)
    return ("TRUE" if answer else "FALSE") + tail


def short_text_answers(question: Definition) -> str:
    return " ".join(f"={escape(accepted)}" for accepted in question["accepted"])


def number_answer(question: Definition) -> str:
    return f"#{question['answer']}:{question.get('tolerance', 0)}"


def matching_answers(question: Definition) -> str:
    return " ".join(f"={escape(pair['left'])} -> {escape(pair['right'])}" for pair in question["pairs"])


ANSWERS: dict[str, Callable[[Definition], str]] = {
    "single": choice_answers,
    "multiple": choice_answers,
    "true_false": true_false_answer,
    "short_text": short_text_answers,
    "number": number_answer,
    "matching": matching_answers,
}

# Why a registered type has no entry in ANSWERS, for the report.
UNSUPPORTED = {
    "ordering": "GIFT has no ordering question",
    "spot": "GIFT has no question that marks lines of code",
}


def cannot_hold(question: Definition) -> str | None:
    kind = question["type"]
    if kind not in ANSWERS:
        return UNSUPPORTED.get(kind, f"GIFT export has no mapping for type {kind!r}")
    if kind == "short_text" and question.get("pattern"):
        return "GIFT short answers cannot hold a regular-expression pattern"
    if kind == "matching" and len(question["pairs"]) < 3:
        return "Moodle's GIFT matching needs at least three pairs"
    return None


def export_question(question: Definition) -> str:
    general = question.get("explanation")
    tail = f" ####{escape(general)}" if general else ""
    answers = ANSWERS[question["type"]](question)
    return f"::{escape(question['id'])}::[markdown]{escape(question['prompt'])} {{{answers}{tail}}}"


def export_quiz(*, slug: str, questions: Iterable[Definition], report: ExportReport) -> str:
    """The GIFT text of one quiz's questions, under a category named for the quiz; skipped ones go in the report."""
    blocks = [f"$CATEGORY: {slug}"]
    for question in questions:
        why = cannot_hold(question)
        if why:
            report.skip(quiz=slug, key=question["id"], type=question["type"], why=why)
            continue
        blocks.append(export_question(question))
        report.exported += 1
    return "\n\n".join(blocks) + "\n"
