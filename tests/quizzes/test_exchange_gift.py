"""GIFT export, read back by an independent parser (pygiftparser) rather than by our own code."""

import io
import re
from pathlib import Path

import pytest
import yaml
from pygiftparser import parser

from quizzes.exchange import ExportReport, gift

QUIZ_FILES = sorted(Path("content/courses/twelve-factor/quizzes").glob("*.yaml"))
PARSED_KIND = {
    "single": "SelectSet",
    "multiple": "MultipleChoicesSet",
    "true_false": "TrueFalseSet",
    "short_text": "ShortSet",
    "number": "NumericAnswerSet",
    "matching": "MatchingSet",
}


def plain(text: str) -> str:
    """What a GIFT reader shows of our text: escapes resolved, whitespace as the parser strips it."""
    return re.sub(r"\\(.)", r"\1", text).strip()


def export(questions, slug="quiz"):
    report = ExportReport()
    text = gift.export_quiz(slug=slug, questions=questions, report=report)
    return report, parser.parseFile(io.StringIO(text))


def braces_in_answers(question) -> bool:
    """pygiftparser 1.1 ends an answer block at the first escaped closing brace (its `[^\\]?` is optional), which
    Moodle does not; such questions are checked by structure_is_one_answer_block instead of by reading them back."""
    return any("}" in text for key, value in question.items() if key not in {"id", "prompt"} for text in texts(value))


def texts(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from texts(item)
    elif isinstance(value, list):
        for item in value:
            yield from texts(item)


def structure_is_one_answer_block(text: str) -> bool:
    unescaped = re.sub(r"\\.", "", text)
    return unescaped.count("{") == unescaped.count("}") == 1 and unescaped.rstrip().endswith("}")


@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda path: path.stem)
def test_export_every_content_quiz_reads_back(path):
    questions = yaml.safe_load(path.read_text())["questions"]
    report, parsed = export(questions, slug=path.stem)

    held = [q for q in questions if q["id"] not in {s.key for s in report.skipped}]
    assert report.exported == len(held) == len(parsed)
    assert len(held) + len(report.skipped) == len(questions)
    for question, read in zip(held, parsed, strict=True):
        assert structure_is_one_answer_block(gift.export_question(question)), question["id"]
        if braces_in_answers(question):
            continue
        assert read.valid, question["id"]
        assert plain(read.title) == question["id"]
        assert type(read.answers).__name__ == PARSED_KIND[question["type"]]
        assert plain(read.text).replace("\\n", "\n") == question["prompt"].strip()
        if question.get("explanation"):
            assert plain(read.generalFeedback) == question["explanation"].strip()
        check_answers(question, read.answers)


def check_answers(question, answers):
    kind = question["type"]
    if kind in {"single", "multiple"}:
        options = question["options"]
        assert [plain(a.answer) for a in answers.answers] == [o["text"].strip() for o in options]
        assert [a.fraction > 0 for a in answers.answers] == [o["correct"] for o in options]
        if kind == "multiple":
            assert sum(a.fraction for a in answers.answers if a.fraction > 0) == pytest.approx(100, abs=0.01)
    elif kind == "true_false":
        assert answers.answer is question["answer"]
    elif kind == "short_text":
        assert [plain(a.answer) for a in answers.answers] == [a.strip() for a in question["accepted"]]
    elif kind == "number":
        assert answers.answers[0].value == pytest.approx(float(question["answer"]))
        assert answers.answers[0].tolerance == pytest.approx(float(question.get("tolerance", 0)))
    elif kind == "matching":
        assert [(plain(a.question), plain(a.answer)) for a in answers.answers] == [
            (p["left"].strip(), p["right"].strip()) for p in question["pairs"]
        ]


def test_export_reports_types_gift_cannot_hold():
    questions = [
        {"id": "order-it", "type": "ordering", "prompt": "Order", "items": ["a", "b"]},
        {"id": "spot-it", "type": "spot", "prompt": "Spot", "code": "x\n", "violations": [1]},
        {"id": "regex", "type": "short_text", "prompt": "Name it", "pattern": "^web$"},
        {"id": "tf", "type": "true_false", "prompt": "Stateless?", "answer": True},
    ]
    report, parsed = export(questions, slug="mixed")

    assert report.exported == len(parsed) == 1
    assert [(s.quiz, s.key, s.type) for s in report.skipped] == [
        ("mixed", "order-it", "ordering"),
        ("mixed", "spot-it", "spot"),
        ("mixed", "regex", "short_text"),
    ]
    assert all(s.why for s in report.skipped)


def test_export_quiz_names_its_category():
    report = ExportReport()
    text = gift.export_quiz(slug="admin-processes", questions=[], report=report)
    assert text == "$CATEGORY: admin-processes\n"
    assert report.exported == 0


def test_export_escapes_gift_special_characters():
    prompt = "Is {a: b} = ~c # d a valid \\ thing?"
    question = {
        "id": "esc:1",
        "type": "single",
        "prompt": prompt,
        "options": [
            {"text": "a=b", "correct": True, "feedback": "yes: {ok"},
            {"text": "~no#", "correct": False},
        ],
        "explanation": "Because #{",
    }
    report, parsed = export([question])

    assert report.exported == 1
    [read] = parsed
    assert read.valid
    assert plain(read.text) == prompt
    assert [plain(a.answer) for a in read.answers.answers] == ["a=b", "~no#"]
    assert plain(read.answers.answers[0].feedback) == "yes: {ok"
    assert plain(read.generalFeedback) == "Because #{"
