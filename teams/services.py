"""Writes: organisations, assessments, assignments, invitations and assessment attempts."""

import uuid
from datetime import datetime

from django.conf import settings
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.template.loader import render_to_string
from django.utils import timezone

from config import rate_limits
from courses.models import Course
from quizzes import services as quiz_services
from quizzes.exchange.imports import questions_read, questions_save
from quizzes.models import Attempt, Quiz
from teams import certificates
from teams.models import (
    Assessment,
    AssessmentQuiz,
    Assignment,
    Certificate,
    Invitation,
    Membership,
    Organisation,
    QuestionPool,
)
from teams.reader_generations import assessments_changed
from teams.standing import progress_of, results_visible

INVITATIONS_PER_HOUR = 30
# Tokens are unguessable; counting unknown ones per client address still stops anyone trying.
INVITATION_TOKEN_FAILURES_ALLOWED = 10
INVITATION_TOKEN_FAILURE_WINDOW_SECONDS = 15 * 60


class InvitationInvalid(Exception):
    pass


class TooManyInvitations(Exception):
    """Anyone can create an organisation, so invitation emails are capped per admin to keep the site from spamming."""


class TooManyInvitationGuesses(Exception):
    """Too many unknown invitation links from one client address; the message says when to try again."""


class AssessmentClosed(Exception):
    """The assignment is passed or past its deadline, or the part has no attempts left."""


@transaction.atomic
def organisation_create(*, name: str, admin) -> Organisation:
    organisation = Organisation.objects.create(name=name)
    Membership.objects.create(organisation=organisation, user=admin, role=Membership.Role.ADMIN)
    return organisation


def membership_add(*, organisation: Organisation, user, role: str = Membership.Role.MEMBER) -> Membership:
    """Add a person to the organisation; an existing membership keeps its role."""
    membership, _ = Membership.objects.get_or_create(organisation=organisation, user=user, defaults={"role": role})
    return membership


@transaction.atomic
def assessment_create(
    *,
    organisation: Organisation,
    created_by,
    title: str,
    deadline: datetime,
    pass_mark: int,
    attempts_allowed: int,
    time_limit_minutes: int | None,
    feedback: str,
    quizzes: list[tuple[Quiz, int | None]],
    labs: list | None = None,
) -> Assessment:
    """`quizzes` pairs each quiz with how many questions per factor to draw (None or 0 for the whole quiz)."""
    assessment = Assessment.objects.create(
        organisation=organisation,
        created_by=created_by,
        title=title,
        deadline=deadline,
        pass_mark=pass_mark,
        attempts_allowed=attempts_allowed,
        time_limit_minutes=time_limit_minutes,
        feedback=feedback,
    )
    AssessmentQuiz.objects.bulk_create(
        AssessmentQuiz(assessment=assessment, quiz=quiz, draw_per_factor=per_factor or None, order=order)
        for order, (quiz, per_factor) in enumerate(quizzes)
    )
    if labs:
        assessment.labs.set(labs)
    assessments_changed()  # bulk_create and set() send no post_save
    return assessment


@transaction.atomic
def pool_import(
    *,
    organisation: Organisation,
    course: Course,
    title: str,
    data: bytes,
    filename: str,
    format: str,
    created_by,
) -> QuestionPool:
    """Import another platform's question file as the organisation's own bank. Every question is read and validated
    first (ContentError lists each problem with its line); on any problem nothing is saved."""
    definitions = questions_read(data=data, filename=filename, format=format)
    quiz = Quiz.objects.create(
        course=course,
        slug=f"pool-{uuid.uuid4().hex[:12]}",
        title=title,
        published=False,
        source_path="",
        order=20_000,
    )
    questions_save(quiz=quiz, definitions=definitions)
    return QuestionPool.objects.create(
        organisation=organisation, quiz=quiz, source_name=filename[:200], format=format, created_by=created_by
    )


def assignment_create(*, assessment: Assessment, user) -> Assignment:
    """Assign the assessment to a member of its organisation; assigning twice returns the first assignment."""
    if not Membership.objects.filter(organisation=assessment.organisation_id, user=user).exists():
        raise ValueError("Only members of the organisation can be assigned its assessments.")
    try:
        with transaction.atomic():
            assignment, created = Assignment.objects.get_or_create(assessment=assessment, user=user)
    except IntegrityError:
        return Assignment.objects.get(assessment=assessment, user=user)
    if created and user.email:
        send_mail(
            subject=f"New assessment: {assessment.title}",
            message=render_to_string(
                "teams/email/assigned.txt", {"assignment": assignment, "site_url": settings.SITE_URL}
            ),
            from_email=None,
            recipient_list=[user.email],
        )
    return assignment


def invitation_create(*, organisation: Organisation, email: str, invited_by, assessment: Assessment | None = None):
    """Email an invitation with an unguessable link; accepting it joins the organisation (and the assessment)."""
    if not invitation_rate_allowed(user_id=invited_by.pk):
        raise TooManyInvitations
    invitation = Invitation.objects.create(
        organisation=organisation, assessment=assessment, email=email, invited_by=invited_by
    )
    send_mail(
        subject=f"You are invited to {organisation.name} on Twelve-Factor Academy",
        message=render_to_string(
            "teams/email/invitation.txt", {"invitation": invitation, "site_url": settings.SITE_URL}
        ),
        from_email=None,
        recipient_list=[email],
    )
    return invitation


def invitation_rate_allowed(*, user_id: int) -> bool:
    decision = rate_limits.hit(
        scope="team-invitations", key=str(user_id), limit=INVITATIONS_PER_HOUR, window_seconds=3600
    )
    return decision.allowed


def _token_failures(client: str) -> dict:
    return {
        "scope": "invitation-token-failures",
        "key": client,
        "limit": INVITATION_TOKEN_FAILURES_ALLOWED,
        "window_seconds": INVITATION_TOKEN_FAILURE_WINDOW_SECONDS,
    }


def invitation_find(*, token: str, client: str) -> Invitation | None:
    """The invitation a link's token opens, or None; unknown tokens are counted per client address and, past the
    limit, refused with TooManyInvitationGuesses whatever the token."""
    decision = rate_limits.exhausted(**_token_failures(client))
    if not decision.allowed:
        minutes = decision.retry_after_minutes
        raise TooManyInvitationGuesses(
            f"Too many unknown invitation links from your network. "
            f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
        )
    invitation = Invitation.objects.select_related("organisation", "assessment").filter(token=token).first()
    if invitation is None:
        rate_limits.hit(**_token_failures(client))
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user) -> Invitation:
    invitation = Invitation.objects.select_for_update().filter(token=token).first()
    if invitation is None:
        raise InvitationInvalid("This invitation link is not valid.")
    if invitation.accepted_at is not None and invitation.accepted_by_id != user.pk:
        raise InvitationInvalid("This invitation has already been used.")
    membership_add(organisation=invitation.organisation, user=user)
    if invitation.assessment is not None:
        assignment_create(assessment=invitation.assessment, user=user)
    if invitation.accepted_at is None:
        invitation.accepted_at = timezone.now()
        invitation.accepted_by = user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
    return invitation


def assessment_attempt_start(*, assignment: Assignment, part: AssessmentQuiz) -> Attempt:
    """Open (or resume) the person's attempt at one quiz of the assessment, with the assessment's rules: its own draw
    per factor, shuffled per person, its attempt and time limits, and no attempt past the deadline."""
    assessment = assignment.assessment
    if assignment.passed_at is not None:
        raise AssessmentClosed("You have already passed this assessment.")
    policy = quiz_services.AttemptPolicy(
        draw_per_factor=part.draw_per_factor or 0,
        shuffle_questions=True,
        attempts_allowed=assessment.attempts_allowed,
        time_limit_minutes=assessment.time_limit_minutes,
        closes_at=assessment.deadline,
    )
    try:
        return quiz_services.attempt_start(user=assignment.user, quiz=part.quiz, scope=assessment.scope, policy=policy)
    except quiz_services.AttemptLimitReached as error:
        raise AssessmentClosed("You have used every attempt this assessment allows.") from error
    except quiz_services.AttemptWindowClosed as error:
        raise AssessmentClosed("The deadline has passed.") from error


def assignment_evaluate(*, assignment: Assignment, now: datetime | None = None) -> Assignment:
    """Record the overall score and the pass; issue the certificate once the learner may see the result."""
    now = now or timezone.now()
    progress = progress_of(assignment, now=now)
    fields = []
    if progress.score != assignment.score and assignment.passed_at is None:
        assignment.score = progress.score
        fields.append("score")
    if progress.passed and assignment.passed_at is None:
        assignment.passed_at = now
        fields.append("passed_at")
    if fields:
        assignment.save(update_fields=fields)
    if assignment.passed_at is not None and results_visible(assignment.assessment, now=now):
        certificates.certificate_issue_for_assignment(assignment=assignment)
    return assignment


def assignments_evaluate_for_lab(*, user, lab) -> int:
    """A lab result arrived: evaluate the person's unfinished assignments that include the lab. Returns how many."""
    open_assignments = Assignment.objects.filter(user=user, passed_at__isnull=True, assessment__labs=lab)
    evaluated = 0
    for assignment in open_assignments.select_related("assessment__organisation", "user"):
        assignment_evaluate(assignment=assignment)
        evaluated += 1
    return evaluated


def certificates_issue_due(*, now: datetime | None = None) -> int:
    """Issue the certificates that waited for the deadline (results shown only after it). Idempotent; run by beat."""
    now = now or timezone.now()
    waiting = Assignment.objects.filter(
        passed_at__isnull=False, assessment__deadline__lte=now, assessment__feedback=Assessment.Feedback.AFTER_DEADLINE
    ).exclude(
        Exists(
            Certificate.objects.filter(
                user=OuterRef("user"), assessment=OuterRef("assessment"), kind=Certificate.Kind.ASSESSMENT
            )
        )
    )
    issued = 0
    for assignment in waiting.select_related("assessment__organisation", "user"):
        certificates.certificate_issue_for_assignment(assignment=assignment)
        issued += 1
    return issued


def assessment_attempt_submit(*, assignment: Assignment, attempt: Attempt) -> Attempt:
    attempt = quiz_services.attempt_submit(attempt=attempt)
    assignment_evaluate(assignment=assignment)
    return attempt
