"""Export quizzes to another platform's question format; what the format cannot hold is listed on stderr."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.exchange.export import quizzes_export_gift
from quizzes.models import Quiz


class Command(BaseCommand):
    help = "Export one quiz or every quiz as GIFT (Moodle)."

    def add_arguments(self, parser: CommandParser) -> None:
        # QTI is the other format; it is not built yet, so it is not offered.
        parser.add_argument("--format", choices=["gift"], default="gift")
        which = parser.add_mutually_exclusive_group(required=True)
        which.add_argument("--quiz", metavar="SLUG")
        which.add_argument("--all", action="store_true")
        parser.add_argument("-o", "--output", required=True, type=Path)

    def handle(self, *args, **options) -> None:
        quizzes = Quiz.objects.order_by("course__slug", "order", "slug")
        if options["quiz"]:
            quizzes = quizzes.filter(slug=options["quiz"])
            if not quizzes.exists():
                raise CommandError(f"no quiz with slug {options['quiz']!r}")
        text, report = quizzes_export_gift(quizzes=quizzes)
        options["output"].write_text(text, encoding="utf-8")
        self.stdout.write(f"{report.exported} questions written to {options['output']}")
        for skipped in report.skipped:
            self.stderr.write(f"not exported: {skipped.quiz}/{skipped.key} ({skipped.type}): {skipped.why}")
