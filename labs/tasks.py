from celery import shared_task

from labs.sandbox import SandboxUnavailable
from labs.services import submission_grade, submission_reap, submission_release


@shared_task
def ping(payload: str = "pong") -> str:
    """Round trip through the broker and a worker: used by the health tests and operators."""
    return payload


@shared_task(bind=True, max_retries=5)
def grade_submission(self, submission_id: int) -> str | None:
    """Grade one submission. Sandbox trouble is ours, not the learner's: retry with backoff, then give up plainly."""
    try:
        submission = submission_grade(submission_id=submission_id)
    except SandboxUnavailable as error:
        if self.request.retries >= self.max_retries:
            submission_release(submission_id=submission_id, error=f"The grading sandbox is unavailable: {error}")
            return None
        raise self.retry(exc=error, countdown=min(300, 10 * 2**self.request.retries)) from error
    return submission.status if submission else None


@shared_task
def reap_submissions() -> dict[str, int]:
    return submission_reap()
