"""The result of grading: one CheckResult per check, and the Scorecard that sums them.

What counts (shown to learners on the scorecard page too):
- ``pass`` earns all of a check's points, ``warn`` half (rounded down), ``fail`` none.
- A check your service blocked counts as ``fail``: when the repository does not build, or the web process never
  answers on $PORT, every check that needed it fails with 0 points and says "blocked: …". Nothing passes by default.
- ``skip`` means the check does not apply (no database, no worker, no contract, no Python or Node service to run).
  It is left out of both the points and the maximum, and says why.
- score = round(100 × points / max_points) over the checks that counted; 0 when none counted.
- A ``gate`` check that fails blocks passing whatever the total (a committed secret, a debug page served in
  production, DATABASE_URL ignored, no HTTP answer, state lost between two instances). A gate with a ``cap`` also
  bounds the score: a service that never answers HTTP scores at most that, because the checks that read its code
  could not be confirmed by running it.
- A lab that runs the service cannot pass on reading the code alone: when the service could not be run at all (a
  language the grader does not run, static checks only), the scorecard keeps its score but does not pass.
- Our own failures (the sandbox, the package index, a crashed check) never appear here: the grade raises
  labs.grading.exceptions.GraderFault instead, is retried, and gives the learner no score at all. ``error`` is kept
  only so scorecards stored before this rule still load.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

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
    gate: bool = False
    cap: int | None = None

    @classmethod
    def scored(
        cls,
        *,
        id: str,
        factor: int,
        status: Status,
        weight: int,
        evidence: str,
        hint: str,
        gate: bool = False,
        cap: int | None = None,
    ) -> CheckResult:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        points = {"pass": weight, "warn": weight // 2}.get(status, 0)
        return cls(id, factor, status, points, weight, _clip(evidence), hint, gate=gate, cap=cap)

    @property
    def counts(self) -> bool:
        return self.status in ("pass", "warn", "fail")

    @property
    def blocks_passing(self) -> bool:
        return self.gate and self.status == "fail"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "factor": self.factor,
            "status": self.status,
            "points": self.points,
            "max_points": self.max_points,
            "evidence": self.evidence,
            "hint": self.hint,
            "gate": self.gate,
        }


@dataclass
class Scorecard:
    lab: str
    score: int = 0
    passed: bool = False
    checks: list[CheckResult] = field(default_factory=list)
    error: str | None = None

    @classmethod
    def from_checks(
        cls, lab: str, checks: list[CheckResult], *, pass_mark: int, unobserved: str | None = None
    ) -> Scorecard:
        """unobserved: why a lab that runs the service could not run this one (a Go service, --static-only); the
        score stands on the code alone, and such a scorecard does not pass."""
        counted = [c for c in checks if c.counts]
        max_points = sum(c.max_points for c in counted)
        points = sum(c.points for c in counted)
        score = round(100 * points / max_points) if max_points else 0
        caps = [c.cap for c in checks if c.blocks_passing and c.cap is not None]
        if caps:
            score = min(score, *caps)
        errors = [c for c in checks if c.status == "error"]
        gates = [c for c in checks if c.blocks_passing]
        passed = bool(counted) and score >= pass_mark and not errors and not gates and not unobserved
        error = None
        if errors:
            error = f"{len(errors)} check(s) could not run: " + "; ".join(f"{c.id}: {c.evidence}" for c in errors[:3])
            error = _clip(error)
        elif unobserved:
            error = _clip(f"not passed: the service was not run ({unobserved}), so the score rests on its code alone")
        return cls(lab=lab, score=score, passed=passed, checks=checks, error=error)

    @property
    def blocking(self) -> list[CheckResult]:
        """The failed gate checks: each one alone keeps this scorecard from passing."""
        return [c for c in self.checks if c.blocks_passing]

    @classmethod
    def refused(cls, lab: str, reason: str) -> Scorecard:
        return cls(lab=lab, score=0, passed=False, checks=[], error=reason)

    def to_dict(self) -> dict[str, Any]:
        return {
            "lab": self.lab,
            "score": self.score,
            "passed": self.passed,
            "checks": [c.to_dict() for c in self.checks],
            "error": self.error,
        }
