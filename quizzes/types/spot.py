"""Spot the violation: a highlighted snippet where the learner selects the offending lines. Credit as for multiple
choice: +1/k per violating line picked, -1/k per other line, floor 0."""

from typing import Any

from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from quizzes.rendering import render_code_lines, render_inline
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
    is_int,
    is_text,
    partial_credit,
    valid_indices,
)

MAX_SPOT_LINES = 25


def line_count(definition: Definition) -> int:
    return len(definition["code"].rstrip("\n").split("\n"))


def validate(question: Definition, report: Report) -> None:
    try:
        get_lexer_by_name(str(question.get("language")))
    except ClassNotFound:
        report("language", f"language {question.get('language')!r} is not a Pygments lexer (use text)")
    code = question.get("code")
    if not is_text(code):
        report("code", "code is required")
        return
    count = len(code.rstrip("\n").split("\n"))
    if count > MAX_SPOT_LINES:
        report("code", f"code has {count} lines; keep it to {MAX_SPOT_LINES}")
    violations = question.get("violations")
    if not isinstance(violations, list) or not violations or not all(is_int(v) for v in violations):
        report("violations", "violations must list the 1-based numbers of the offending lines")
    else:
        if len(set(violations)) != len(violations):
            report("violations", "violations lists a line twice")
        for line in violations:
            if not 1 <= line <= count:
                report("violations", f"line {line} is outside the snippet (1-{count})")
            elif not code.split("\n")[line - 1].strip():
                report("violations", f"line {line} is blank")
    feedback = question.get("line_feedback") or {}
    if not isinstance(feedback, dict):
        report("line_feedback", "line_feedback maps line numbers to text")
        return
    for line, text in feedback.items():
        if not is_int(line) or not 1 <= line <= count:
            report("line_feedback", f"line_feedback names line {line!r}, outside the snippet (1-{count})")
        if not is_text(text):
            report("line_feedback", f"line_feedback for line {line!r} must be text")


def render(definition: Definition) -> dict[str, Any]:
    return {
        "lines": render_code_lines(definition["code"], definition["language"]),
        "line_feedback": {
            str(line): render_inline(text) for line, text in (definition.get("line_feedback") or {}).items()
        },
    }


def parse(*, attempt, version, data) -> ParsedAnswer:
    size = line_count(version.definition)
    picks = data.getlist("line")
    if not picks:
        raise IncompleteAnswer("Select at least one line.")
    if not all(p.isdigit() and 1 <= int(p) <= size for p in picks):
        raise TamperedAnswer("line number")
    return ParsedAnswer({"line": picks}, sorted({int(p) for p in picks}))


def grade(definition: Definition, response: Any) -> float:
    if not isinstance(response, list):
        return 0.0
    # Lines are numbered from 1 in the file and on the page; shift them to indices for the shared rule.
    shifted = [x - 1 if isinstance(x, int) and not isinstance(x, bool) else x for x in response]
    picked, unknown = valid_indices(shifted, line_count(definition))
    correct = {line - 1 for line in definition["violations"]}
    return partial_credit(picked, correct, unknown)


def present(view: QuestionView, shown: Shown) -> None:
    view.language = shown.definition["language"]
    picked = set(shown.response or [])
    violations = set(shown.definition["violations"])
    for number, html in enumerate(shown.rendered["lines"], start=1):
        row = Row(str(number), html, selected=number in picked, number=number)
        if shown.reveal:
            row.correct = number in violations
            feedback = shown.rendered["line_feedback"].get(str(number), "")
            row.feedback = feedback if number in picked | violations else ""
        view.rows.append(row)


SPOT = register(
    QuestionType(
        key="spot",
        name="Spot the violation",
        label="Spot the violation: select the offending lines",
        fields=frozenset({"language", "code", "violations", "line_feedback"}),
        validate=validate,
        render=render,
        parse=parse,
        grade=grade,
        present=present,
    )
)
