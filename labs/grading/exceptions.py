"""Errors the grader raises to its callers: the learner's invalid submission, and the grader's own fault."""

from __future__ import annotations

from enum import StrEnum


class SubmissionRefused(Exception):
    """The submission is not valid (unsafe or too large archive, unreadable bundle...).

    str(exc) is a reason a learner understands; the CLI exits 3 with it.
    """


class Fault(StrEnum):
    """Whose machinery broke when a grade could not be completed. Never the learner's."""

    SANDBOX = "sandbox"  # the box would not start, ran out of its slot or wall clock, lost its probe helper
    PACKAGE_INDEX = "package-index"  # the wheelhouse or the index proxy the box installs from is missing or down
    CHECK = "check"  # one of our checks crashed or could not decide


class GraderFault(Exception):
    """The grade could not be completed through our fault: it is retried, and never becomes the learner's score.

    str(exc) says what broke in words an operator and a learner both understand; `kind` says whose it is.
    """

    def __init__(self, kind: Fault, message: str) -> None:
        super().__init__(message)
        self.kind = kind

    def __str__(self) -> str:
        return f"the grader failed ({self.kind}), not your repository: {self.args[0]}"
