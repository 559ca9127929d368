import json

from django.core.management.base import BaseCommand

from teams.reminders import reminders_send


class Command(BaseCommand):
    help = "Email 'due soon' and 'overdue' reminders for assigned assessments (idempotent: each is sent once)."

    def handle(self, *args, **options) -> None:
        self.stdout.write(json.dumps(reminders_send()))
