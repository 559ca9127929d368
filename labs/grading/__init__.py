"""The lab grader: grade(source, lab) -> Scorecard. Imports nothing from Django.

Pipeline: intake (validate and extract the submission into a private folder) → static checks on that copy →
sandboxed build (declared dependencies only, through the package index proxy or from the offline wheelhouse) →
sandboxed run (web process twice, other process types, HTTP probes, SIGTERM in flight, workspace listing) → dynamic
checks on what the host observed → Scorecard. See labs.grading.scorecard for how points add up, and
labs.grading.observe for the run.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from labs.grading.exceptions import Fault, GraderFault, SubmissionRefused
from labs.grading.scorecard import CheckResult, Scorecard

__all__ = ["CheckResult", "Fault", "GraderFault", "Scorecard", "SubmissionRefused", "grade"]


def grade(
    source: str | Path,
    lab: str = "audit",
    *,
    labs_dir: Path | None = None,
    on_check: Callable[[CheckResult], None] | None = None,
    static_only: bool = False,
) -> Scorecard:
    """Grade the submission at `source` (a directory, .zip, .tar.gz/.tgz or git bundle) against `lab`.

    Returns a Scorecard; raises SubmissionRefused (str() is the learner-readable reason) for an invalid
    submission, GraderFault when our own machinery failed (retry it; never score it), LabDefinitionError for an
    unknown or broken lab. on_check(CheckResult) is called as each
    check finishes, for live progress. static_only skips building and running it (the dynamic checks say so).
    """
    from labs.grading.pipeline import grade as _grade

    return _grade(source, lab, labs_dir=labs_dir, on_check=on_check, static_only=static_only)
