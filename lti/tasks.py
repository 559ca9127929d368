from celery import shared_task
from django.conf import settings

from lti.grades import PassbackFault, passback_give_up, passback_send


@shared_task(bind=True, max_retries=None)
def send_grade_passback(self, passback_id: int) -> str:
    """Send one score to the platform; retried with backoff, marked failed (and kept) after the last attempt."""
    try:
        return passback_send(passback_id=passback_id).status
    except PassbackFault as fault:
        if self.request.retries >= settings.LTI_PASSBACK_MAX_RETRIES:
            passback_give_up(passback_id=passback_id)
            return "failed"
        countdown = min(3600, settings.LTI_PASSBACK_RETRY_BACKOFF_SECONDS * 2**self.request.retries)
        raise self.retry(exc=fault, countdown=countdown) from fault
