"""Every exchange format: what it holds, and the round trip over the real course bank (export, read back, same
stems, options, answers and feedback for every question the format holds)."""

from pathlib import Path

import pytest
import yaml

from courses.markdown import render_fragment
from quizzes.exchange import FORMATS, Bank, ExportReport
from quizzes.exchange.qti import qti_html
from quizzes.rendering import render_inline
from quizzes.types import REGISTRY

QUIZ_FILES = sorted(Path("content/courses/twelve-factor/quizzes").glob("*.yaml"))

# How each format gives our text back: GIFT keeps the markdown; QTI carries the HTML it renders to.
BLOCK = {"gift": str.strip, "qti": lambda text: qti_html(render_fragment(text))}
INLINE = {"gift": str.strip, "qti": lambda text: qti_html(render_inline(text))}


def content_bank(path: Path) -> Bank:
    data = yaml.safe_load(path.read_text())
    return Bank(slug=path.stem, title=data["title"], questions=data["questions"])


def expected(question: dict, key: str) -> dict:
    """The question as the format should read it back."""
    block, inline = BLOCK[key], INLINE[key]
    kind = question["type"]
    result = {
        "id": question["id"],
        "type": kind,
        "prompt": block(question["prompt"]),
        "explanation": block(question["explanation"]),
    }
    if "factor" in question:
        result["factor"] = question["factor"]
    if kind in {"single", "multiple"}:
        result["options"] = [
            {"text": inline(o["text"]), "correct": o["correct"]}
            | ({"feedback": inline(o["feedback"])} if o.get("feedback") else {})
            for o in question["options"]
        ]
    elif kind == "true_false":
        result["answer"] = question["answer"]
        for side in ("feedback_true", "feedback_false"):
            if question.get(side):
                result[side] = inline(question[side])
    elif kind == "ordering":
        result["items"] = [inline(item) for item in question["items"]]
    elif kind == "matching":
        result["pairs"] = [{"left": inline(p["left"]), "right": inline(p["right"])} for p in question["pairs"]]
    elif kind == "short_text":
        result["accepted"] = [a.strip() if key == "gift" else a for a in question["accepted"]]
    elif kind == "number":
        result["answer"] = question["answer"]
        result["tolerance"] = question.get("tolerance", 0)
    if key == "qti" and question.get("points", 1) != 1:
        result["points"] = question["points"]
    return result


@pytest.mark.parametrize("key", sorted(FORMATS))
def test_every_question_type_is_held_or_has_a_reason(key):
    exchange_format = FORMATS[key]
    for kind in REGISTRY:
        assert (kind in exchange_format.holds) != (kind in exchange_format.cannot), kind
        assert exchange_format.cannot.get(kind, "x").strip()


@pytest.mark.parametrize("key", sorted(FORMATS))
@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda path: path.stem)
def test_round_trip_over_the_course_bank(key, path):
    exchange_format = FORMATS[key]
    bank = content_bank(path)
    report = ExportReport()

    read = exchange_format.read(exchange_format.write([bank], report), f"{path.stem}.{exchange_format.extension}")

    skipped = {s.key for s in report.skipped}
    held = [q for q in bank.questions if q["id"] not in skipped]
    assert report.exported == len(held) == len(read)
    assert len(held) + len(report.skipped) == len(bank.questions)
    noted = {s.key for s in report.notes}
    for question, back in zip(held, read, strict=True):
        definition = dict(back.definition)
        if question["id"] in noted:  # the unit is the one loss a format may note; everything else must match
            assert question["type"] == "number" and question.get("unit")
        assert definition == expected(question, key), question["id"]


@pytest.mark.parametrize("key", sorted(FORMATS))
def test_export_reports_what_the_format_cannot_hold(key):
    exchange_format = FORMATS[key]
    questions = [
        {"id": "spot-it", "type": "spot", "prompt": "Spot", "code": "x\n", "violations": [1], "language": "text"},
        {"id": "regex", "type": "short_text", "prompt": "Name it", "accepted": [], "pattern": "^web$"},
        {"id": "tf", "type": "true_false", "prompt": "Stateless?", "answer": True, "explanation": "Yes."},
        {"id": "secs", "type": "number", "prompt": "Seconds?", "answer": 10, "unit": "seconds", "explanation": "10."},
    ]
    report = ExportReport()

    read = exchange_format.read(exchange_format.write([Bank("mixed", "Mixed", questions)], report), "mixed")

    assert [q.definition["id"] for q in read] == ["tf", "secs"]
    assert [(s.quiz, s.key, s.type) for s in report.skipped] == [
        ("mixed", "spot-it", "spot"),
        ("mixed", "regex", "short_text"),
    ]
    assert [s.key for s in report.notes] == ["secs"]
    assert all(s.why for s in report.skipped + report.notes)
    assert any("not exported: mixed/spot-it (spot)" in line for line in report.lines())
