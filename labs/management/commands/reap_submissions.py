import json

from django.core.management.base import BaseCommand

from labs.services import submission_reap


class Command(BaseCommand):
    help = "Re-queue submissions whose worker died or whose task the broker never got (idempotent; beat runs it)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(json.dumps(submission_reap()))
