"""The result of grading: one CheckResult per check, and the Scorecard that sums them.

Scoring (documented for learners on the lab page too):
- ``pass`` earns all of a check's points, ``warn`` half (rounded down), ``fail`` none.
- ``skip`` means the check does not apply to this repository (a Node check on a Python app, a release
  check when there are no migrations, a contract check when the lab has no contract). It is left out of
  both the points and the maximum.
- ``error`` means the check could not run (sandbox unavailable, a dependency the wheelhouse cannot
  satisfy). It earns nothing and is left out of the maximum too, so an infrastructure problem does not
  read as a failed factor; but a scorecard with any ``error`` never passes: nothing passes by default.
- score = round(100 × points / max_points) over checks that counted; 0 when none counted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Status = Literal["pass", "warn", "fail", "error", "skip"]
STATUSES: tuple[str, ...] = ("pass", "warn", "fail", "error", "skip")

EVIDENCE_MAX_CHARS = 600


def _clip(text: str, limit: int = EVIDENCE_MAX_CHARS) -> str:
    text = text.replace("\x00", "")
    return text if len(text) <= limit else text[: limit - 1] + "…"


@dataclass
class CheckResult:
    id: str
    factor: int
    status: Status
    points: int
    max_points: int
    evidence: str
    hint: str

    @classmethod
    def scored(cls, *, id: str, factor: int, status: Status, weight: int, evidence: str, hint: str) -> CheckResult:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        points = {"pass": weight, "warn": weight // 2}.get(status, 0)
        return cls(id, factor, status, points, weight, _clip(evidence), hint)

    @property
    def counts(self) -> bool:
        return self.status in ("pass", "warn", "fail")

    def to_dict(self) -> dict:
        return {
            "id": self.id,
            "factor": self.factor,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "evidence": self.evidence,
            "hint": self.hint,
        }


@dataclass
class Scorecard:
    lab: str
    score: int = 0
    passed: bool = False
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def from_checks(cls, lab: str, checks: list[CheckResult], *, pass_mark: int) -> Scorecard:
        counted = [c for c in checks if c.counts]
        max_points = sum(c.max_points for c in counted)
        points = sum(c.points for c in counted)
        score = round(100 * points / max_points) if max_points else 0
        errors = [c for c in checks if c.status == "error"]
        passed = bool(counted) and score >= pass_mark and not errors
        error = None
        if errors:
            error = f"{len(errors)} check(s) could not run: " + "; ".join(f"{c.id}: {c.evidence}" for c in errors[:3])
            error = _clip(error)
        return cls(lab=lab, score=score, passed=passed, checks=checks, error=error)

    @classmethod
    def refused(cls, lab: str, reason: str) -> Scorecard:
        return cls(lab=lab, score=0, passed=False, checks=[], error=reason)

    def to_dict(self) -> dict:
        return {
            "lab": self.lab,
            "score": self.score,
            "passed": self.passed,
            "checks": [c.to_dict() for c in self.checks],
            "error": self.error,
        }
