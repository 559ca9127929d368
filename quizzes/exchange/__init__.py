"""Question exchange with other learning platforms: GIFT (Moodle) and QTI 2.1 (Canvas, Brightspace).

Exchange speaks our quiz-file schema (content/FORMAT.md): a writer turns question definitions into a format's file,
a reader turns a file back into definitions, which the question-type registry then validates as it validates
content/. One module per format registers a Format here; for every registered question type it says either how the
format holds it or why it cannot. A question is written exactly or not at all (listed in the ExportReport with the
reason); the few losses we accept (a number's unit; in GIFT, a question's points) are written and noted in the report.
"""

import importlib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from quizzes.types.base import Definition

# A check for one question of a type the format holds: None if it can be written, else why not.
Check = Callable[[Definition], str | None]


@dataclass(frozen=True)
class Skipped:
    quiz: str
    key: str
    type: str
    why: str


@dataclass
class ExportReport:
    exported: int = 0
    skipped: list[Skipped] = field(default_factory=list)
    notes: list[Skipped] = field(default_factory=list)  # written, but something the format cannot say was left out

    def skip(self, *, quiz: str, key: str, type: str, why: str) -> None:
        self.skipped.append(Skipped(quiz=quiz, key=key, type=type, why=why))

    def note(self, *, quiz: str, key: str, type: str, why: str) -> None:
        self.notes.append(Skipped(quiz=quiz, key=key, type=type, why=why))

    def lines(self) -> list[str]:
        """The report as text, one line per question left out or changed (the command's stderr, the download)."""
        return [f"not exported: {s.quiz}/{s.key} ({s.type}): {s.why}" for s in self.skipped] + [
            f"exported with a change: {s.quiz}/{s.key} ({s.type}): {s.why}" for s in self.notes
        ]


@dataclass(frozen=True)
class Bank:
    """One quiz's questions as exchanged: definitions in file order, each with its `factor` filled in."""

    slug: str
    title: str
    questions: list[Definition]


@dataclass(frozen=True)
class ReadQuestion:
    """A question read from an exchange file: its definition and where it starts (for error messages)."""

    definition: Definition
    line: int | None
    path: str = ""  # the file inside a package (QTI); empty for a single-file format


@dataclass(frozen=True)
class Format:
    key: str
    name: str
    extension: str
    content_type: str
    holds: dict[str, Check]  # type key -> check of one question (None: the format holds it exactly)
    cannot: dict[str, str]  # type key -> why the format cannot hold that type at all
    write: Callable[[list[Bank], ExportReport], bytes]
    read: Callable[[bytes, str], list[ReadQuestion]]  # (data, filename); raises ContentError with line numbers
    notes: tuple[Check, ...] = ()  # what writing a question loses, if anything (None: nothing)

    def cannot_hold(self, question: Definition) -> str | None:
        kind = question["type"]
        if kind in self.holds:
            return self.holds[kind](question)
        return self.cannot.get(kind, f"{self.name} export has no mapping for type {kind!r}")

    def note_for(self, question: Definition) -> str | None:
        return "; ".join(note for check in self.notes if (note := check(question))) or None

    def sort(self, bank: Bank, report: ExportReport) -> list[Definition]:
        """The bank's questions this format can write; the others go in the report, with the reason."""
        held = []
        for question in bank.questions:
            meta: dict[str, Any] = {"quiz": bank.slug, "key": question["id"], "type": question["type"]}
            why = self.cannot_hold(question)
            if why:
                report.skip(**meta, why=why)
                continue
            note = self.note_for(question)
            if note:
                report.note(**meta, why=note)
            held.append(question)
            report.exported += 1
        return held


def key_from_title(title: str) -> str:
    """A question id (a slug, as in the quiz files) from another platform's title or identifier; may be empty."""
    return re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-")[:100].strip("-")


FORMATS: dict[str, Format] = {}

MODULES = ("gift", "qti")


def register(exchange_format: Format) -> Format:
    if exchange_format.key in FORMATS:
        raise ValueError(f"exchange format {exchange_format.key} registered twice")
    FORMATS[exchange_format.key] = exchange_format
    return exchange_format


def exchange_format(key: str) -> Format:
    """The registered format; KeyError for a name no module registered."""
    return FORMATS[key]


for _module in MODULES:
    importlib.import_module(f"quizzes.exchange.{_module}")
