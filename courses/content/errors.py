from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ContentProblem:
    path: Path
    line: int | None
    message: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else str(self.path)
        return f"{where}: {self.message}"


class ContentError(Exception):
    """Content failed validation. Holds every problem found, each with its file and line; nothing was loaded."""

    def __init__(self, problems: list[ContentProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))
