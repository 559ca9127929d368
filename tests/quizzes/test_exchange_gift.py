"""GIFT: our exports read by an independent parser (pygiftparserrgmf, lex/yacc), our reader's errors and escapes."""

import re
from pathlib import Path

import pytest
import yaml
from pygiftparser import parser

from courses.content.errors import ContentError
from quizzes.exchange import Bank, ExportReport
from quizzes.exchange.gift import GIFT, export_question, export_quiz

QUIZ_FILES = sorted(Path("content/courses/twelve-factor/quizzes").glob("*.yaml"))
PARSED_KIND = {
    "single": "MultipleChoiceRadio",
    "multiple": "MultipleChoiceCheckbox",
    "true_false": "TrueFalse",
    "short_text": "Short",
    "number": "Numerical",
    "matching": "Matching",
}


def unescaped(text: str) -> str:
    """GIFT's escapes resolved (\\n is a line break), and a Moodle weight such as %50% left off."""
    text = re.sub(r"\\(.)", lambda match: "\n" if match.group(1) == "n" else match.group(1), text)
    return re.sub(r"\A%-?[\d.]+%", "", text.strip()).strip()


def weight(option) -> float:
    """The parser reads whole-number weights only (%50%); Moodle also takes decimals (%33.33333%)."""
    match = re.match(r"%(-?[\d.]+)%", option.text)
    return float(match.group(1)) if match else option.percentage * 100


def holds_a_mark(question: dict) -> bool:
    """pygiftparserrgmf ends a feedback or an answer at the first = ~ or }, escaped or not (Moodle honours the
    escape): such a question is checked by our reader only (test_exchange.py), and counted here."""
    texts = [question.get("explanation", ""), question.get("feedback_true", ""), question.get("feedback_false", "")]
    texts += [o.get("text", "") + o.get("feedback", "") for o in question.get("options", [])]
    texts += question.get("accepted", []) + [p["left"] + p["right"] for p in question.get("pairs", [])]
    return any(mark in text for text in texts for mark in "=~}")


def parsed_kinds(question: dict) -> set[str]:
    # Moodle makes a GIFT choice without `=` a multiple-answer question; the parser decides from the weights, and
    # reads whole-number ones only, so one right option (%100%) or thirds (%33.33333%) look like a radio question.
    right = sum(o["correct"] for o in question.get("options", []))
    if question["type"] == "multiple" and (right == 1 or 100 % right):
        return {PARSED_KIND["multiple"], PARSED_KIND["single"]}
    return {PARSED_KIND[question["type"]]}


@pytest.mark.parametrize("path", QUIZ_FILES, ids=lambda path: path.stem)
def test_independent_parser_reads_every_exported_question(path):
    questions = yaml.safe_load(path.read_text())["questions"]
    report = ExportReport()
    held = GIFT.sort(Bank(path.stem, path.stem, questions), report)

    for question in held:
        if holds_a_mark(question):
            continue
        [parsed] = parser.parse(export_question(question)).questions
        assert parsed.name == question["id"]
        assert type(parsed.answer).__name__ in parsed_kinds(question), question["id"]
        assert unescaped(parsed.text) == "[markdown]" + question["prompt"].strip()
        options = parsed.answer.options
        if question["type"] in {"single", "multiple"}:
            assert [unescaped(o.text) for o in options] == [o["text"].strip() for o in question["options"]]
            assert [weight(o) > 0 for o in options] == [o["correct"] for o in question["options"]]
            if question["type"] == "multiple":
                assert sum(weight(o) for o in options if weight(o) > 0) == pytest.approx(100, abs=0.001)
        elif question["type"] == "matching":
            assert [unescaped(o.text) for o in options] == [
                f"{p['left'].strip()} -> {p['right'].strip()}" for p in question["pairs"]
            ]
        elif question["type"] == "short_text":
            assert [unescaped(o.text) for o in options] == [a.strip() for a in question["accepted"]]
        elif question["type"] == "true_false":
            assert options[0].text == str(question["answer"])


def test_whole_bank_mostly_read_by_the_independent_parser():
    """Across every quiz only the parser's escape gap stops it, on a few questions."""
    total = failed = marked = 0
    for path in QUIZ_FILES:
        questions = yaml.safe_load(path.read_text())["questions"]
        for question in GIFT.sort(Bank(path.stem, path.stem, questions), ExportReport()):
            total += 1
            marked += holds_a_mark(question)
            try:
                parser.parse(export_question(question))
            except Exception:
                failed += 1
    assert total > 150
    assert failed <= marked
    assert failed <= 10


def test_export_quiz_files_each_factor_in_its_category():
    questions = [
        {"id": "a", "type": "true_false", "prompt": "A", "answer": True, "explanation": "x", "factor": 1},
        {"id": "b", "type": "true_false", "prompt": "B", "answer": False, "explanation": "y", "factor": 2},
    ]
    text = export_quiz(bank=Bank("final", "Final", questions), report=ExportReport())

    assert text.startswith("$CATEGORY: final/factor-1\n\n::a::")
    assert "$CATEGORY: final/factor-2\n\n::b::" in text
    assert [q.definition["factor"] for q in GIFT.read(text.encode(), "final.gift")] == [1, 2]


def test_export_escapes_gift_special_characters_and_reads_them_back():
    question = {
        "id": "esc-1",
        "type": "single",
        "prompt": "Is {a: b} = ~c # d a valid \\ thing?\nSecond line \\n literal",
        "options": [
            {"text": "a=b", "correct": True, "feedback": "yes: {ok"},
            {"text": "~no#", "correct": False},
        ],
        "explanation": "Because #{",
    }
    [read] = GIFT.read(export_question(question).encode(), "esc.gift")

    assert read.definition == {
        "id": "esc-1",
        "type": "single",
        "prompt": question["prompt"],
        "explanation": "Because #{",
        "options": [{"text": "a=b", "correct": True, "feedback": "yes: {ok"}, {"text": "~no#", "correct": False}],
    }


def test_read_moodle_written_gift():
    text = """// A comment line
$CATEGORY: $course$/Top/factor-3

::Env vars::Where does config live? {
  =In the environment#Right.
  ~In the code#No: that is a deploy per change.
  ####Factor III.
}

Two plus two is four. {T}

What is 1.5 + 1? {#2.5:0.1}

Which ones? {~%50%one ~%50%two ~%-100%three}

Name the factor {=config =III}
"""
    read = GIFT.read(text.encode(), "moodle.gift")

    assert [(r.definition["id"], r.definition["type"], r.line) for r in read] == [
        ("env-vars", "single", 4),
        ("question-2", "true_false", 10),
        ("question-3", "number", 12),
        ("question-4", "multiple", 14),
        ("question-5", "short_text", 16),
    ]
    assert all(r.definition["factor"] == 3 for r in read)
    assert read[0].definition["options"][1] == {
        "text": "In the code",
        "correct": False,
        "feedback": "No: that is a deploy per change.",
    }
    assert read[0].definition["explanation"] == "Factor III."
    assert read[2].definition["answer"] == 2.5 and read[2].definition["tolerance"] == 0.1
    assert [o["correct"] for o in read[3].definition["options"]] == [True, True, False]


@pytest.mark.parametrize(
    ("text", "line", "message"),
    [
        ("::ok::Fine {T}\n\n::bad::\nNo answer here\n", 3, "no answer block"),
        ("::ok::Fine {T}\n\n::bad::Open {\n=one\n~two\n", 3, "not closed"),
        ("::a::Fine {T}\n\n\n::b::Two right\n{=one\n=two ~three}\n", 6, "several answers marked ="),
        ("::a::Essay {}\n", 1, "essay"),
        ("::a::Blank {=x} after\n", 1, "missing-word"),
        ("::a::Num {#ten:1}\n", 1, "not a number"),
    ],
)
def test_read_errors_name_the_line(text, line, message):
    with pytest.raises(ContentError) as caught:
        GIFT.read(text.encode(), "upload.gift")

    [problem] = caught.value.problems
    assert problem.line == line
    assert message in problem.message
    assert str(problem).startswith(f"upload.gift:{line}: ")


def test_read_reports_every_bad_question_at_once():
    text = "::a::One {}\n\n::b::Two {T}\n\n::c::Three {=x\n"
    with pytest.raises(ContentError) as caught:
        GIFT.read(text.encode(), "upload.gift")

    assert [p.line for p in caught.value.problems] == [1, 5]


def test_read_rejects_text_that_is_not_utf8():
    with pytest.raises(ContentError, match="not UTF-8"):
        GIFT.read(b"\xff\xfe::a::x {T}", "upload.gift")
