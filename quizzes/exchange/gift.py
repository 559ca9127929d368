"""GIFT, Moodle's plain-text question format (https://docs.moodle.org/en/GIFT_format): writer and reader.

Questions are written under `$CATEGORY: <quiz>/factor-<n>`, so Moodle files each factor in its own sub-category (and
a random-question slot can draw per factor, as our assessments do); the reader takes the factor back from there.
Prompts, options and feedback are our markdown, marked `[markdown]`; the explanation is the general feedback.
"""

import re
from dataclasses import dataclass
from pathlib import Path

from courses.content.errors import ContentError, ContentProblem
from quizzes.exchange import Bank, ExportReport, Format, ReadQuestion, key_from_title, register
from quizzes.types.base import Definition

# Characters GIFT gives a meaning to; a backslash makes them literal.
SPECIAL = "~=#{}:"
FACTOR_CATEGORY = re.compile(r"factor-(\d+)$")
FORMAT_PREFIX = re.compile(r"\A\[(markdown|html|plain|moodle)\]")
WEIGHT = re.compile(r"\A%(-?\d+(?:\.\d+)?)%")
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")


# --- writing -------------------------------------------------------------------------------------------------------


def escape(text: str) -> str:
    text = text.strip().replace("\\", "\\\\")
    for char in SPECIAL:
        text = text.replace(char, "\\" + char)
    # A blank line ends a GIFT question, so line breaks are written as GIFT's \n escape.
    return text.replace("\n", "\\n")


def feedback(text: str | None) -> str:
    return f"#{escape(text)}" if text else ""


def weight(value: float) -> str:
    return f"{value:.5f}".rstrip("0").rstrip(".")


def choice_answers(question: Definition) -> str:
    options = question["options"]
    if question["type"] == "single":
        marks = ["=" if option["correct"] else "~" for option in options]
    else:
        # Moodle adds up the weights of the picked options, floor 0: +100/k per right and -100/k per wrong pick is
        # exactly our partial credit. Moodle accepts these weights for k up to 10 (its list of grade fractions).
        right = sum(option["correct"] for option in options)
        share = weight(100 / right)
        marks = [f"~%{share}%" if option["correct"] else f"~%-{share}%" for option in options]
    return " ".join(
        f"{mark}{escape(option['text'])}{feedback(option.get('feedback'))}"
        for mark, option in zip(marks, options, strict=True)
    )


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


ANSWERS = {
    "single": choice_answers,
    "multiple": choice_answers,
    "true_false": true_false_answer,
    "short_text": short_text_answers,
    "number": number_answer,
    "matching": matching_answers,
}


def holds_short_text(question: Definition) -> str | None:
    if question.get("pattern"):
        return "GIFT short answers cannot hold a regular-expression pattern"
    if any("->" in accepted for accepted in question["accepted"]):
        return "an accepted answer contains `->`, which GIFT reads as a matching pair"
    return None


def holds_matching(question: Definition) -> str | None:
    if len(question["pairs"]) < 3:
        return "Moodle's GIFT matching needs at least three pairs"
    if any("->" in pair["left"] for pair in question["pairs"]):
        return "a left-hand item contains `->`, which GIFT reads as the pair separator"
    return None


def holds_multiple(question: Definition) -> str | None:
    right = sum(option["correct"] for option in question["options"])
    if right > 10:
        return "Moodle's grade fractions stop at 1/10: more than ten right options cannot share the credit"
    return None


def points_note(question: Definition) -> str | None:
    if question.get("points", 1) != 1:
        return f"its {question['points']} points are left out: GIFT has no marks, Moodle gives its default mark"
    return None


def unit_note(question: Definition) -> str | None:
    if question["type"] == "number" and question.get("unit"):
        return f"the unit ({question['unit']}) is left out: GIFT numerical answers carry none, so type the number"
    return None


def export_question(question: Definition) -> str:
    general = question.get("explanation")
    tail = f" ####{escape(general)}" if general else ""
    answers = ANSWERS[question["type"]](question)
    return f"::{escape(question['id'])}::[markdown]{escape(question['prompt'])} {{{answers}{tail}}}"


def category(slug: str, factor: int | None) -> str:
    return f"$CATEGORY: {slug}" + (f"/factor-{factor}" if factor is not None else "")


def export_quiz(*, bank: Bank, report: ExportReport) -> str:
    """The GIFT text of one quiz's questions, each factor in its sub-category; skipped ones go in the report."""
    blocks = []
    current = None
    for question in GIFT.sort(bank, report):
        heading = category(bank.slug, question.get("factor"))
        if heading != current:
            blocks.append(heading)
            current = heading
        blocks.append(export_question(question))
    return "\n\n".join(blocks or [category(bank.slug, None)]) + "\n"


def write(banks: list[Bank], report: ExportReport) -> bytes:
    """Every bank's questions, after the report as GIFT comments: whoever imports the file sees what was left out."""
    text = "\n".join(export_quiz(bank=bank, report=report) for bank in banks)
    notes = "".join(f"// {line}\n" for line in report.lines())
    return (notes + ("\n" if notes else "") + text).encode()


# --- reading -------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Char:
    char: str
    escaped: bool
    offset: int  # in the question's text, for its line number


def scan(text: str) -> list[Char]:
    """The text with GIFT's escapes resolved: a backslash makes the next character literal; \\n is a line break."""
    chars: list[Char] = []
    index = 0
    while index < len(text):
        char = text[index]
        if char == "\\" and index + 1 < len(text):
            following = text[index + 1]
            chars.append(Char("\n" if following == "n" else following, True, index))
            index += 2
            continue
        chars.append(Char(char, False, index))
        index += 1
    return chars


def plain(chars: list[Char]) -> str:
    return "".join(c.char for c in chars).strip()


def is_mark(chars: list[Char], index: int, mark: str) -> bool:
    return all(
        index + i < len(chars) and not chars[index + i].escaped and chars[index + i].char == m
        for i, m in enumerate(mark)
    )


class GiftError(Exception):
    def __init__(self, offset: int, message: str) -> None:
        self.offset = offset
        super().__init__(message)


@dataclass
class Segment:
    mark: str  # "" (before any mark), "=", "~", "#" or "####"
    chars: list[Char]
    offset: int

    @property
    def text(self) -> str:
        return plain(self.chars)


def segments(chars: list[Char], offset: int) -> list[Segment]:
    """The answer block split at its unescaped marks: = and ~ open an answer, # its feedback, #### the general one."""
    parts = [Segment("", [], offset)]
    index = 0
    while index < len(chars):
        char = chars[index]
        if not char.escaped and char.char in "=~":
            parts.append(Segment(char.char, [], char.offset))
        elif is_mark(chars, index, "####"):
            parts.append(Segment("####", [], char.offset))
            index += 4
            continue
        elif not char.escaped and char.char == "#":
            parts.append(Segment("#", [], char.offset))
        else:
            parts[-1].chars.append(char)
        index += 1
    return parts


def number_value(text: str, offset: int) -> int | float:
    if not NUMBER.fullmatch(text.strip()):
        raise GiftError(offset, f"{text.strip()!r} is not a number")
    value = float(text)
    return int(value) if value.is_integer() and re.fullmatch(r"[+-]?\d+", text.strip()) else value


def read_number(parts: list[Segment]) -> Definition:
    head = parts[1]
    if len(parts) > 2 and parts[2].mark in "=~":
        raise GiftError(parts[2].offset, "numerical questions with several answers are not supported; give one")
    text = head.text
    if ".." in text:
        low, _, high = text.partition("..")
        low_value, high_value = number_value(low, head.offset), number_value(high, head.offset)
        return {"type": "number", "answer": (low_value + high_value) / 2, "tolerance": (high_value - low_value) / 2}
    answer, _, tolerance = text.partition(":")
    return {
        "type": "number",
        "answer": number_value(answer, head.offset),
        "tolerance": number_value(tolerance, head.offset) if tolerance else 0,
    }


def read_true_false(head: Segment, feedbacks: list[Segment]) -> Definition:
    answer = head.text.upper() in {"TRUE", "T"}
    if len(feedbacks) > 2:
        raise GiftError(feedbacks[2].offset, "a true/false answer has at most two feedbacks (wrong, then right)")
    texts = [part.text for part in feedbacks] + ["", ""]
    wrong, right = texts[0], texts[1]
    question: Definition = {"type": "true_false", "answer": answer}
    by_answer = {answer: right, not answer: wrong}
    for value, key in ((True, "feedback_true"), (False, "feedback_false")):
        if by_answer[value]:
            question[key] = by_answer[value]
    return question


@dataclass
class Answer:
    mark: str
    text: str
    weight: float | None
    feedback: str
    offset: int


def read_answers(parts: list[Segment]) -> list[Answer]:
    answers: list[Answer] = []
    for part in parts[1:]:
        if part.mark in "=~":
            text = part.text
            match = WEIGHT.match(text)
            answers.append(
                Answer(
                    part.mark,
                    text[match.end() :].strip() if match else text,
                    float(match.group(1)) if match else None,
                    "",
                    part.offset,
                )
            )
        elif not answers:
            raise GiftError(part.offset, "feedback (#) before any answer")
        elif answers[-1].feedback:
            raise GiftError(part.offset, "an answer has one feedback (#); escape a literal # as \\#")
        else:
            answers[-1].feedback = part.text
    return answers


def read_options(parts: list[Segment]) -> Definition:
    answers = read_answers(parts)
    if not answers:
        raise GiftError(parts[0].offset, "no answers: mark the right one with = and the others with ~")
    if all(a.mark == "=" and "->" in a.text for a in answers):
        pairs = []
        for a in answers:
            left, _, right = a.text.partition("->")
            pairs.append({"left": left.strip(), "right": right.strip()})
        return {"type": "matching", "pairs": pairs}
    if all(a.mark == "=" for a in answers):
        for a in answers:
            if a.weight is not None and a.weight != 100:
                raise GiftError(a.offset, "short answers with partial credit are not supported: accept or leave out")
        return {"type": "short_text", "accepted": [a.text for a in answers]}
    options = []
    for a in answers:
        option: Definition = {"text": a.text}
        if a.weight is not None:
            option["correct"] = a.weight > 0
        else:
            option["correct"] = a.mark == "="
        if a.feedback:
            option["feedback"] = a.feedback
        options.append(option)
    if any(a.weight is not None for a in answers):
        return {"type": "multiple", "options": options}
    marked_right = [a for a in answers if a.mark == "="]
    if len(marked_right) > 1:
        raise GiftError(marked_right[1].offset, "several answers marked =: for several right answers use ~%50% weights")
    return {"type": "single", "options": options}


def read_answer_block(chars: list[Char], offset: int) -> tuple[Definition, str]:
    """The type's fields read from between the braces, and the general feedback."""
    parts = segments(chars, offset)
    general = [part for part in parts if part.mark == "####"]
    if len(general) > 1:
        raise GiftError(general[1].offset, "general feedback (####) given twice")
    explanation = general[0].text if general else ""
    parts = [part for part in parts if part.mark != "####"]
    head = parts[0]
    if head.text.upper() in {"TRUE", "T", "FALSE", "F"}:
        if any(part.mark in "=~" for part in parts[1:]):
            raise GiftError(parts[1].offset, "a true/false answer takes no = or ~ answers")
        return read_true_false(head, parts[1:]), explanation
    if head.text:
        raise GiftError(head.offset, f"unexpected {head.text!r}: answers start with =, ~ or # (numerical)")
    if len(parts) == 1:
        raise GiftError(offset, "an empty answer block is an essay question, which has no answer key to import")
    if parts[1].mark == "#":
        return read_number(parts), explanation
    return read_options(parts), explanation


def read_question(text: str) -> Definition:
    chars = scan(text)
    index = 0
    title = ""
    if is_mark(chars, 0, "::"):
        end = next((i for i in range(2, len(chars)) if is_mark(chars, i, "::")), None)
        if end is None:
            raise GiftError(0, "the title's :: is not closed")
        title = plain(chars[2:end])
        index = end + 2
    opening = next((i for i in range(index, len(chars)) if not chars[i].escaped and chars[i].char == "{"), None)
    if opening is None:
        raise GiftError(chars[index].offset if index < len(chars) else 0, "no answer block: a question needs { }")
    closing = next((i for i in range(opening + 1, len(chars)) if not chars[i].escaped and chars[i].char in "{}"), None)
    if closing is None or chars[closing].char == "{":
        raise GiftError(chars[opening].offset, "the answer block { is not closed (escape a literal brace as \\{)")
    after = plain(chars[closing + 1 :])
    if after:
        raise GiftError(
            chars[closing + 1].offset,
            "text after the answer block (a missing-word question) is not "
            "supported: put the blank's answer after the whole question",
        )
    prompt = FORMAT_PREFIX.sub("", plain(chars[index:opening]), count=1).strip()
    fields, explanation = read_answer_block(chars[opening + 1 : closing], chars[opening].offset)
    return {"title": title, "prompt": prompt, "explanation": explanation, **fields}


def blocks(text: str) -> list[tuple[int, str]]:
    """(first line, text) of each question or category: runs of lines between blank lines, comments left out."""
    found: list[tuple[int, list[str]]] = []
    current: list[str] | None = None
    for number, line in enumerate(text.split("\n"), start=1):
        stripped = line.strip()
        if not stripped:
            current = None
            continue
        if stripped.startswith("//"):
            continue
        if current is None or stripped.startswith("$CATEGORY:"):
            current = []
            found.append((number, current))
        current.append(line)
        if stripped.startswith("$CATEGORY:"):
            current = None
    return [(number, "\n".join(lines)) for number, lines in found]


def read(data: bytes, filename: str) -> list[ReadQuestion]:
    """The questions of a GIFT file, as definitions; ContentError naming the line of every problem."""
    path = Path(filename)
    try:
        text = data.decode("utf-8-sig").replace("\r\n", "\n").replace("\r", "\n")
    except UnicodeDecodeError as error:
        raise ContentError([ContentProblem(path, None, f"not UTF-8 text ({error.reason})")]) from None
    problems: list[ContentProblem] = []
    questions: list[ReadQuestion] = []
    factor: int | None = None
    seen: set[str] = set()
    for line, block in blocks(text):
        if block.strip().startswith("$CATEGORY:"):
            match = FACTOR_CATEGORY.search(block.strip())
            factor = int(match.group(1)) if match else None
            continue
        try:
            question = read_question(block)
        except GiftError as error:
            problems.append(ContentProblem(path, line + block[: error.offset].count("\n"), str(error)))
            continue
        key = key_from_title(question.pop("title")) or f"question-{len(questions) + 1}"
        unique, number = key, 2
        while unique in seen:
            unique, number = f"{key}-{number}", number + 1
        seen.add(unique)
        definition = {"id": unique, **question}
        if factor is not None:
            definition["factor"] = factor
        questions.append(ReadQuestion(definition, line))
    if problems:
        raise ContentError(problems)
    if not questions:
        raise ContentError([ContentProblem(path, None, "no questions found")])
    return questions


GIFT = register(
    Format(
        key="gift",
        name="GIFT",
        extension="gift",
        content_type="text/plain; charset=utf-8",
        holds={
            "single": lambda question: None,
            "multiple": holds_multiple,
            "true_false": lambda question: None,
            "short_text": holds_short_text,
            "number": lambda question: None,
            "matching": holds_matching,
        },
        cannot={
            "ordering": "GIFT has no ordering question",
            "spot": "GIFT has no question that marks lines of code (a multiple choice over the lines would lose the "
            "highlighted snippet and its line numbers)",
        },
        notes=(unit_note, points_note),
        write=write,
        read=read,
    )
)
