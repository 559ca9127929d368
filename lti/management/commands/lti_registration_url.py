from django.core.management.base import BaseCommand

from lti.registration import INVITATION_LIFETIME, registration_invitation_create, registration_url


class Command(BaseCommand):
    help = "Print a one-time LTI Dynamic Registration URL for a platform's 'register a tool by URL' form."

    def add_arguments(self, parser) -> None:
        parser.add_argument("site_url", help="This site's public URL, e.g. https://academy.example.edu")

    def handle(self, *args, site_url: str, **options) -> None:
        _, token = registration_invitation_create(created_by=None)
        hours = int(INVITATION_LIFETIME.total_seconds() // 3600)
        self.stderr.write(f"Valid for {hours} hours, for one registration:")
        self.stdout.write(registration_url(site_url=site_url, token=token))
