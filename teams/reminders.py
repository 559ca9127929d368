"""Deadline reminders: "due soon" before the deadline and "overdue" after it, each sent once per assignment."""

from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.utils import timezone

from teams.models import Assignment, Reminder
from teams.standing import DUE_SOON, Status, progress_for

KIND_FOR_STATUS = {Status.DUE_SOON: Reminder.Kind.DUE_SOON, Status.OVERDUE: Reminder.Kind.OVERDUE}


def reminders_send(*, now: datetime | None = None) -> dict[str, int]:
    """Email every person whose unfinished assignment is due soon or overdue, unless that reminder was sent already.

    The Reminder row is written before the email in the same transaction: a second run (or a concurrent one) finds
    it and sends nothing, and a failed email rolls the row back so the next run tries again.
    """
    now = now or timezone.now()
    sent = dict.fromkeys(Reminder.Kind.values, 0)
    candidates = (
        Assignment.objects.filter(passed_at__isnull=True, assessment__deadline__lte=now + DUE_SOON)
        .exclude(user__email="")
        .select_related("assessment__organisation", "user")
        .order_by("assessment_id")
    )
    by_assessment: dict[int, list[Assignment]] = {}
    for assignment in candidates:
        by_assessment.setdefault(assignment.assessment_id, []).append(assignment)
    for assignments in by_assessment.values():
        for progress in progress_for(assignments, assessment=assignments[0].assessment, now=now):
            kind = KIND_FOR_STATUS.get(progress.status)
            if kind is not None and reminder_send(assignment=progress.assignment, kind=kind):
                sent[kind] += 1
    return sent


def reminder_send(*, assignment: Assignment, kind: str) -> bool:
    """Send one reminder unless it was sent before; True if it was sent now."""
    try:
        with transaction.atomic():
            Reminder.objects.create(assignment=assignment, kind=kind)
            send_mail(
                subject=render_to_string(
                    "teams/email/reminder_subject.txt", {"assignment": assignment, "kind": kind}
                ).strip(),
                message=render_to_string(
                    "teams/email/reminder.txt",
                    {"assignment": assignment, "kind": kind, "site_url": settings.SITE_URL},
                ),
                from_email=None,
                recipient_list=[assignment.user.email],
            )
    except IntegrityError:
        return False
    return True
