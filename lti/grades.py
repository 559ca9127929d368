"""Assignment and Grade Services: scores recorded here go to the platform's line item.

A score is first written as a `GradePassback` row in the transaction that recorded it, then sent by a Celery task
after commit. A platform that is down or refuses leaves the row pending with the error; the task retries with
backoff, and after the last attempt the row is `failed`, visible in the admin with a retry action.
"""

from __future__ import annotations

import logging

import requests
from django.db import transaction
from django.utils import timezone
from pylti1p3.assignments_grades import AssignmentsGradesService
from pylti1p3.exception import LtiException
from pylti1p3.grade import Grade
from pylti1p3.service_connector import ServiceConnector

from lti.models import GradePassback, LineItemLink
from lti.tool_config import PlatformRegistration

logger = logging.getLogger(__name__)

HTTP_TIMEOUT_SECONDS = 15


class PassbackFault(Exception):
    """Sending failed in a way a later attempt may fix (the platform is down, refused our token, timed out)."""


class TimeoutSession(requests.Session):
    # pylti1p3 calls the platform without a timeout; a hung platform must not hold a worker forever.
    def request(self, *args, **kwargs):
        kwargs.setdefault("timeout", HTTP_TIMEOUT_SECONDS)
        return super().request(*args, **kwargs)


def score_record(*, user, item_key: str, score: float, source: str, recorded_at=None) -> list[GradePassback]:
    """Queue a score for every line item this learner's launches of the item named; sent after commit."""
    from lti.tasks import send_grade_passback  # the task module imports this one

    links = LineItemLink.objects.filter(identity__user=user, item_key=item_key, identity__platform__active=True)
    passbacks = []
    for link in links:
        passback, created = GradePassback.objects.get_or_create(
            link=link, source=source, defaults={"score": score, "recorded_at": recorded_at or timezone.now()}
        )
        if created:
            transaction.on_commit(lambda pk=passback.pk: send_grade_passback.delay(pk))
            passbacks.append(passback)
    return passbacks


def passback_send(*, passback_id: int) -> GradePassback:
    """Post one score to its line item (AGS `application/vnd.ims.lis.v1.score+json`). Raises PassbackFault."""
    passback = GradePassback.objects.select_related("link__identity__platform").get(pk=passback_id)
    if passback.status == GradePassback.Status.SENT:
        return passback
    link = passback.link
    grade = (
        Grade()
        .set_score_given(round(passback.score, 2))
        .set_score_maximum(100)
        .set_timestamp(passback.recorded_at.isoformat())
        .set_activity_progress("Completed")
        .set_grading_progress("FullyGraded")
        .set_user_id(link.identity.sub)
    )
    connector = ServiceConnector(PlatformRegistration(link.identity.platform), requests_session=TimeoutSession())
    service = AssignmentsGradesService(connector, {"scope": link.scopes, "lineitem": link.lineitem_url})
    passback.attempts += 1
    try:
        service.put_grade(grade)
    except (LtiException, requests.RequestException) as error:
        passback.last_error = _describe(error)
        passback.save(update_fields=["attempts", "last_error"])
        logger.warning("lti grade passback failed", extra={"passback": passback.pk, "error": passback.last_error})
        raise PassbackFault(passback.last_error) from error
    passback.status, passback.sent_at, passback.last_error = GradePassback.Status.SENT, timezone.now(), ""
    passback.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return passback


def passback_give_up(*, passback_id: int) -> None:
    GradePassback.objects.filter(pk=passback_id).exclude(status=GradePassback.Status.SENT).update(
        status=GradePassback.Status.FAILED
    )


def passback_retry(*, passback_id: int) -> None:
    """Send a failed (or stuck pending) passback again, from the admin."""
    from lti.tasks import send_grade_passback  # the task module imports this one

    GradePassback.objects.filter(pk=passback_id).exclude(status=GradePassback.Status.SENT).update(
        status=GradePassback.Status.PENDING
    )
    transaction.on_commit(lambda: send_grade_passback.delay(passback_id))


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None and hasattr(response, "status_code"):
        return f"HTTP {response.status_code} from the platform: {response.text[:500]}"
    return str(error)[:1000] or error.__class__.__name__
