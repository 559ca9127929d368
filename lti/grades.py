"""Assignment and Grade Services: scores recorded here go to the platform's line item.

A score is first written as a `GradePassback` row in the transaction that recorded it, then sent by a Celery task
after commit. A platform that is down or refuses leaves the row pending with the error; the task retries with
backoff, and after the last attempt the row is `failed`, visible in the admin with a retry action. A broker that is
down when the score is recorded leaves the row pending with no task due: the periodic re-send sends it later.

Sending twice is harmless: the score carries the time it was recorded here (the AGS `timestamp`), so a second post of
the same score changes nothing, and a platform refuses (409) or ignores an older score than the one it holds.
"""

from __future__ import annotations

import functools
import logging
from datetime import timedelta

import requests
from django.conf import settings
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
    links = LineItemLink.objects.filter(identity__user=user, item_key=item_key, identity__platform__active=True)
    passbacks = []
    for link in links:
        passback, created = GradePassback.objects.get_or_create(
            link=link, source=source, defaults={"score": score, "recorded_at": recorded_at or timezone.now()}
        )
        if created:
            transaction.on_commit(functools.partial(passback_enqueue, passback_id=passback.pk))
            passbacks.append(passback)
    return passbacks


def passback_enqueue(*, passback_id: int) -> bool:
    """Send the passback task. A broker outage is logged, not raised (the learner's score is saved either way): the
    row stays pending with no task due, and the periodic re-send sends it when the broker is back."""
    from lti.tasks import send_grade_passback  # the task module imports this one

    passbacks = GradePassback.objects.filter(pk=passback_id)
    # Written before publishing: a worker may run the task, and postpone its retry, before publishing returns.
    passbacks.update(next_attempt_at=timezone.now())
    try:
        send_grade_passback.apply_async(args=[passback_id], retry=False)
    except Exception:  # any broker error: the database row is the source of truth
        logger.warning("broker unavailable; grade passback stays pending", extra={"passback": passback_id})
        passbacks.update(next_attempt_at=None)
        return False
    return True


def passback_postpone(*, passback_id: int, seconds: float) -> None:
    """Record when the task's next retry is due, so the periodic re-send leaves a passback that is waiting alone."""
    GradePassback.objects.filter(pk=passback_id).update(next_attempt_at=timezone.now() + timedelta(seconds=seconds))


def passback_resend_overdue(*, now=None) -> int:
    """Send again every passback left pending with no task due for `LTI_PASSBACK_RESEND_AFTER_SECONDS` (run by
    beat). Oldest first; returns how many reached the broker."""
    now = now or timezone.now()
    before = now - timedelta(seconds=settings.LTI_PASSBACK_RESEND_AFTER_SECONDS)
    overdue = GradePassback.objects.overdue(before=before).order_by("recorded_at", "pk")
    return sum(passback_enqueue(passback_id=pk) for pk in overdue.values_list("pk", flat=True))


def passback_send(*, passback_id: int) -> GradePassback:
    """Post one score to its line item (AGS `application/vnd.ims.lis.v1.score+json`). Raises PassbackFault."""
    passback = GradePassback.objects.select_related("link__identity__platform").get(pk=passback_id)
    if passback.status in (GradePassback.Status.SENT, GradePassback.Status.SUPERSEDED):
        return passback
    link = passback.link
    if link.passbacks.filter(status=GradePassback.Status.SENT, recorded_at__gt=passback.recorded_at).exists():
        # A later score already reached this line item (this one waited out a broker outage): sending this one
        # would at best be refused.
        return _supersede(passback)
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
        if getattr(getattr(error, "response", None), "status_code", None) == 409:
            # AGS: the platform holds a score with a later timestamp, and keeps it.
            return _supersede(passback)
        passback.last_error = _describe(error)
        passback.save(update_fields=["attempts", "last_error"])
        logger.warning("lti grade passback failed", extra={"passback": passback.pk, "error": passback.last_error})
        raise PassbackFault(passback.last_error) from error
    passback.status, passback.sent_at, passback.last_error = GradePassback.Status.SENT, timezone.now(), ""
    passback.save(update_fields=["status", "sent_at", "attempts", "last_error"])
    return passback


def _supersede(passback: GradePassback) -> GradePassback:
    passback.status, passback.last_error = GradePassback.Status.SUPERSEDED, ""
    passback.save(update_fields=["status", "attempts", "last_error"])
    return passback


def passback_give_up(*, passback_id: int) -> None:
    GradePassback.objects.filter(pk=passback_id, status=GradePassback.Status.PENDING).update(
        status=GradePassback.Status.FAILED, next_attempt_at=None
    )


def passback_retry(*, passback_id: int) -> None:
    """Send a failed (or stuck pending) passback again, from the admin."""
    GradePassback.objects.filter(pk=passback_id).unsent().update(status=GradePassback.Status.PENDING)
    transaction.on_commit(lambda: passback_enqueue(passback_id=passback_id))


def _describe(error: Exception) -> str:
    response = getattr(error, "response", None)
    if response is not None and hasattr(response, "status_code"):
        return f"HTTP {response.status_code} from the platform: {response.text[:500]}"
    return str(error)[:1000] or error.__class__.__name__
