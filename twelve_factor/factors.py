"""The twelve factors: number, numeral, name, and the slug their lesson and their grader checks are named by."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Factor:
    number: int  # 1-12, in the manifesto's order
    numeral: str  # "III"
    name: str  # "Config", as the manifesto heads it
    slug: str  # "config": the lesson's slug and the prefix of the factor's check ids

    @property
    def label(self) -> str:
        """ "III. Config"."""
        return f"{self.numeral}. {self.name}"


FACTORS: tuple[Factor, ...] = (
    Factor(1, "I", "Codebase", "codebase"),
    Factor(2, "II", "Dependencies", "dependencies"),
    Factor(3, "III", "Config", "config"),
    Factor(4, "IV", "Backing services", "backing-services"),
    Factor(5, "V", "Build, release, run", "build-release-run"),
    Factor(6, "VI", "Processes", "processes"),
    Factor(7, "VII", "Port binding", "port-binding"),
    Factor(8, "VIII", "Concurrency", "concurrency"),
    Factor(9, "IX", "Disposability", "disposability"),
    Factor(10, "X", "Dev/prod parity", "dev-prod-parity"),
    Factor(11, "XI", "Logs", "logs"),
    Factor(12, "XII", "Admin processes", "admin-processes"),
)
BY_NUMBER: dict[int, Factor] = {factor.number: factor for factor in FACTORS}


def numeral(number: int) -> str:
    """The roman numeral of factor 1-12; "" for 0, the lessons about no single factor (history, summary)."""
    return BY_NUMBER[number].numeral if number else ""
