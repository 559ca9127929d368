from celery import shared_task

from teams.reminders import reminders_send
from teams.services import certificates_issue_due


@shared_task
def send_assessment_reminders() -> dict[str, int]:
    """Beat runs this like `manage.py send_assessment_reminders`; both call the same idempotent service."""
    return reminders_send()


@shared_task
def issue_due_certificates() -> int:
    """Certificates of assessments that show results only after the deadline: issued by beat once it passes."""
    return certificates_issue_due()
