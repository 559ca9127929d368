from celery import shared_task
from django.conf import settings

from labs.grading import GraderFault
from labs.services import submission_grade, submission_reap


@shared_task
def ping(payload: str = "pong") -> str:
    """Round trip through the broker and a worker: used by the health tests and operators."""
    return payload


@shared_task(bind=True, max_retries=None)
def grade_submission(self, submission_id: int) -> str | None:
    """Grade one submission. A fault of ours is retried with backoff; the service gives up after the last attempt."""
    try:
        submission = submission_grade(submission_id=submission_id)
    except GraderFault as fault:
        countdown = min(300, settings.LAB_RETRY_BACKOFF_SECONDS * 2**self.request.retries)
        raise self.retry(exc=fault, countdown=countdown) from fault
    return submission.status if submission else None


@shared_task
def reap_submissions() -> dict[str, int]:
    return submission_reap()
