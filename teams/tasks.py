from celery import shared_task

from teams.reminders import reminders_send


@shared_task
def send_assessment_reminders() -> dict[str, int]:
    """Beat runs this like `manage.py send_assessment_reminders`; both call the same idempotent service."""
    return reminders_send()
