from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from content_loading.loader import load_content
from courses.content.errors import ContentError


class Command(BaseCommand):
    help = "Validate content/ and load it into the database (idempotent; runs in the release phase)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--path", type=Path, default=Path(settings.BASE_DIR) / "content", help="Content folder.")

    def handle(self, *args, path: Path, **options) -> None:
        try:
            report = load_content(path)
        except ContentError as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"content not loaded: {len(error.problems)} problem(s); nothing was changed") from error
        self.stdout.write(f"content loaded: {report}")
