"""A check's verdict: a status and the evidence for it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal


@dataclass(frozen=True)
class Verdict:
    status: Literal["pass", "warn", "fail", "error", "skip"]
    evidence: str


def passed(evidence: str) -> Verdict:
    return Verdict("pass", evidence)


def warned(evidence: str) -> Verdict:
    return Verdict("warn", evidence)


def failed(evidence: str) -> Verdict:
    return Verdict("fail", evidence)


def errored(evidence: str) -> Verdict:
    return Verdict("error", evidence)


def skipped(evidence: str) -> Verdict:
    return Verdict("skip", evidence)
