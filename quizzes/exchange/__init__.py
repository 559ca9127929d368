"""Question exchange with other learning platforms: one module per format, pure functions from our question
definitions to the format. A question a format cannot hold is listed in the ExportReport, never dropped silently."""

from dataclasses import dataclass, field


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

    def skip(self, *, quiz: str, key: str, type: str, why: str) -> None:
        self.skipped.append(Skipped(quiz=quiz, key=key, type=type, why=why))
