from django.core.management.base import BaseCommand

from lti.keys import tool_key_generate


class Command(BaseCommand):
    help = "Generate a new LTI tool signing key. Earlier keys stay published until retired in the admin."

    def handle(self, *args, **options) -> None:
        key = tool_key_generate()
        self.stdout.write(f"LTI tool key {key.kid} generated; it signs from now on.")
