"""Export quizzes to another platform's question format; what the format cannot hold is listed on stderr."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, CommandParser

from quizzes.exchange import FORMATS
from quizzes.exchange.export import quizzes_export
from quizzes.models import Quiz


class Command(BaseCommand):
    help = "Export one quiz or every quiz as GIFT (Moodle) or a QTI 2.1 package (Canvas, Brightspace)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--format", choices=sorted(FORMATS), default="gift")
        parser.add_argument("--quiz", metavar="SLUG", help="One quiz (the final bank is `final`); default: every quiz.")
        parser.add_argument("-o", "--output", required=True, type=Path)

    def handle(self, *args, **options) -> None:
        quizzes = Quiz.objects.published().order_by("course__order", "order", "slug")
        if options["quiz"]:
            quizzes = quizzes.filter(slug=options["quiz"])
            if not quizzes.exists():
                raise CommandError(f"no quiz with slug {options['quiz']!r}")
        data, report = quizzes_export(quizzes=quizzes, format=options["format"])
        options["output"].write_bytes(data)
        self.stdout.write(f"{report.exported} questions written to {options['output']}")
        for line in report.lines():
            self.stderr.write(line)
