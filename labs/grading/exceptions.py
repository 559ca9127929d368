"""Errors the grader raises to its callers."""


class SubmissionRefused(Exception):
    """The submission is not valid (unsafe or too large archive, unreadable bundle...).

    str(exc) is a reason a learner understands; the CLI exits 3 with it.
    """
