import requests
from celery import shared_task
from django.conf import settings
from pylti1p3.exception import LtiException

from lti.grades import PassbackFault, passback_give_up, passback_postpone, passback_resend_overdue, passback_send


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
        passback_postpone(passback_id=passback_id, seconds=countdown)
        raise self.retry(exc=fault, countdown=countdown) from fault


@shared_task
def resend_grade_passbacks() -> int:
    """Beat: send again the passbacks a broker outage left pending."""
    return passback_resend_overdue()


@shared_task(bind=True, max_retries=5)
def sync_roster(self, platform_course_id: int) -> int:
    """Bring the cohort of a platform course in line with the platform's roster (NRPS); retried if it is down."""
    from lti.roster import roster_sync  # the roster imports the services, which enqueue this task

    try:
        return roster_sync(platform_course_id=platform_course_id)
    except (LtiException, requests.RequestException) as fault:
        raise self.retry(exc=fault, countdown=60 * 2**self.request.retries) from fault
