from datetime import timedelta
from io import StringIO

import pytest
from django.core import mail
from django.core.management import call_command
from django.utils import timezone

from teams import services
from teams.models import Reminder
from teams.reminders import reminders_send
from tests.teams.helpers import take

pytestmark = pytest.mark.django_db


def test_due_soon_reminder_is_sent_once(make_assessment, member):
    assessment = make_assessment(deadline=timezone.now() + timedelta(hours=20))
    services.assignment_create(assessment=assessment, user=member)
    mail.outbox.clear()
    assert reminders_send() == {"due_soon": 1, "overdue": 0}
    assert reminders_send() == {"due_soon": 0, "overdue": 0}
    assert len(mail.outbox) == 1
    assert mail.outbox[0].subject == "Due soon: Onboarding check"
    assert mail.outbox[0].to == ["ada@example.com"]


def test_overdue_reminder_after_the_deadline_then_never_again(make_assessment, member):
    assessment = make_assessment(deadline=timezone.now() + timedelta(hours=20))
    services.assignment_create(assessment=assessment, user=member)
    reminders_send()
    later = assessment.deadline + timedelta(hours=1)
    assert reminders_send(now=later) == {"due_soon": 0, "overdue": 1}
    assert reminders_send(now=later + timedelta(days=1)) == {"due_soon": 0, "overdue": 0}
    assert sorted(Reminder.objects.values_list("kind", flat=True)) == ["due_soon", "overdue"]
    assert mail.outbox[-1].subject.startswith("Overdue")


def test_no_reminder_for_passed_or_far_away_assignments(make_assessment, member, admin, organisation):
    due = make_assessment(deadline=timezone.now() + timedelta(hours=20))
    assignment = services.assignment_create(assessment=due, user=member)
    take(assignment, due.parts.get())
    far = make_assessment(title="Far", deadline=timezone.now() + timedelta(days=20))
    services.assignment_create(assessment=far, user=admin)
    assert reminders_send() == {"due_soon": 0, "overdue": 0}


def test_command_prints_counts_and_is_idempotent(make_assessment, member):
    assessment = make_assessment(deadline=timezone.now() + timedelta(hours=2))
    services.assignment_create(assessment=assessment, user=member)
    first, second = StringIO(), StringIO()
    call_command("send_assessment_reminders", stdout=first)
    call_command("send_assessment_reminders", stdout=second)
    assert '"due_soon": 1' in first.getvalue()
    assert '"due_soon": 0' in second.getvalue()
