"""python manage.py grade_repo SOURCE --lab SLUG [--json]: grade a repository against a lab.

Exit 0 when a scorecard was produced (pass or fail), 3 when the submission is refused as invalid, 4 when the
grader itself failed (sandbox, package index, a crashed check: not the repository's fault), 2 for a bad command line.
With --json, stdout carries exactly one JSON object and nothing else: while grading, everything written to file
descriptor 1 (log handlers bound to stdout included) goes to stderr.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from labs.grading import GraderFault, Scorecard, SubmissionRefused, grade
from labs.grading.definitions import LabDefinitionError
from twelve_factor.factors import BY_NUMBER

EXIT_REFUSED = 3
EXIT_GRADER_FAULT = 4


@contextlib.contextmanager
def stdout_to_stderr() -> Iterator[None]:
    """Send file descriptor 1 to stderr for the duration, so nothing but our JSON reaches stdout."""
    sys.stdout.flush()
    saved = os.dup(1)
    try:
        os.dup2(2, 1)
        yield
    finally:
        sys.stdout.flush()
        os.dup2(saved, 1)
        os.close(saved)


class Command(BaseCommand):
    help = "Grade a repository (directory, .zip, .tar.gz or git bundle) against a lab; --lab audit runs every check."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("source", help="a directory, .zip, .tar.gz/.tgz or git bundle")
        parser.add_argument("--lab", default="audit", help="lab slug (content/courses/twelve-factor/labs/<slug>/)")
        parser.add_argument("--json", action="store_true", help="print exactly one JSON object on stdout")
        parser.add_argument(
            "--static-only",
            action="store_true",
            help="read the code without building or running it (dynamic checks are skipped); needs no sandbox",
        )

    def handle(self, *args, **options) -> None:
        source = Path(options["source"])
        lab = options["lab"]
        as_json = options["json"]
        if not source.exists():
            raise CommandError(f"{source} does not exist", returncode=2)
        self._quiet_logging_to_stderr()
        exit_code = 0
        try:
            with stdout_to_stderr() if as_json else contextlib.nullcontext():
                scorecard = grade(source, lab, static_only=options["static_only"])
        except SubmissionRefused as exc:
            scorecard, exit_code = Scorecard.refused(lab, str(exc)), EXIT_REFUSED
        except GraderFault as exc:
            scorecard, exit_code = Scorecard.refused(lab, str(exc)), EXIT_GRADER_FAULT
        except LabDefinitionError as exc:
            raise CommandError(str(exc), returncode=2) from None
        if as_json:
            self.stdout.write(json.dumps(scorecard.to_dict(), ensure_ascii=False))
        else:
            self.stdout.write(render(scorecard, fault=exit_code == EXIT_GRADER_FAULT))
        if exit_code:
            sys.stdout.flush()
            raise SystemExit(exit_code)

    @staticmethod
    def _quiet_logging_to_stderr() -> None:
        """Grader logs go to stderr at WARNING unless the site's logging config says otherwise."""
        grading = logging.getLogger("labs")
        if not grading.handlers and not logging.getLogger().handlers:
            handler = logging.StreamHandler(sys.stderr)
            handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
            grading.addHandler(handler)
            grading.setLevel(logging.WARNING)


def render(scorecard: Scorecard, *, fault: bool = False) -> str:
    """A readable scorecard, grouped by factor."""
    lines = [f"Lab: {scorecard.lab}"]
    if not scorecard.checks and scorecard.error:
        lines.append(f"Not graded. {'Grader fault' if fault else 'Refused'}: {scorecard.error}")
        return "\n".join(lines)
    factor = None
    for check in scorecard.checks:
        if check.factor != factor:
            factor = check.factor
            lines.append("")
            lines.append(BY_NUMBER[factor].label)
        gate = "  (blocks passing)" if check.blocks_passing else ""
        counted = f"{check.points:>2}/{check.max_points:<2}" if check.counts else "  –  "
        lines.append(f"  {check.status.upper():5} {counted} {check.id}{gate}")
        lines.append(f"              {check.evidence}")
        if check.status not in ("pass", "skip"):
            lines.append(f"              hint: {check.hint}")
    lines.append("")
    verdict = "PASSED" if scorecard.passed else "NOT PASSED"
    lines.append(f"Score: {scorecard.score}/100 — {verdict}")
    if scorecard.blocking:
        lines.append("Cannot pass while these fail: " + ", ".join(c.id for c in scorecard.blocking))
    if scorecard.error:
        lines.append(f"Note: {scorecard.error}")
    return "\n".join(lines)
