"""Reads, each filtered by who is asking: an admin sees only their organisations, a learner only their assignments.
Anything else is not found (404), whether reached by id or by URL."""

from uuid import UUID

from django.contrib.auth import get_user_model
from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Count, Q, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from courses.models import Course
from quizzes.models import Attempt, Quiz
from quizzes.selectors import quiz_question_count
from teams.certificates import course_is_complete
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
from teams.standing import Progress, for_learner, progress_for, progress_of, results_visible


def admin_organisations(user: User) -> QuerySet[Organisation]:
    return Organisation.objects.filter(memberships__user=user, memberships__role=Membership.Role.ADMIN)


def organisation_for_admin(*, user: User, public_id: UUID | str) -> Organisation:
    return get_object_or_404(admin_organisations(user), public_id=public_id)


def assessment_for_admin(*, user: User, public_id: UUID | str) -> Assessment:
    return get_object_or_404(
        Assessment.objects.select_related("organisation").filter(organisation__in=admin_organisations(user)),
        public_id=public_id,
    )


def organisation_members(organisation: Organisation) -> list[Membership]:
    return list(organisation.memberships.select_related("user").order_by("user__username"))


def assignable_users(assessment: Assessment) -> QuerySet[User]:
    """Members of the assessment's organisation not yet assigned it."""
    members = assessment.organisation.memberships.values("user")
    assigned = assessment.assignments.values("user")
    return get_user_model().objects.filter(pk__in=members).exclude(pk__in=assigned).order_by("username")


def organisation_assessments(organisation: Organisation) -> list[Assessment]:
    return list(organisation.assessments.all())


def pending_invitations(organisation: Organisation) -> list[Invitation]:
    return list(organisation.invitations.filter(accepted_at__isnull=True).select_related("assessment"))


def bank_quizzes() -> list[Quiz]:
    """Quizzes an admin may put in an assessment."""
    return list(Quiz.objects.published().select_related("course").order_by("course__order", "order"))


def assessment_report(assessment: Assessment) -> list[Progress]:
    """Each assigned person's progress, for the admin's report and exports."""
    assignments = list(assessment.assignments.select_related("user").order_by("user__username"))
    return progress_for(assignments, assessment=assessment)


def assignments_for(user: User | AnonymousUser) -> list[Progress]:
    """The learner's own assignments with their progress, soonest deadline first (the home page and the list)."""
    if not user.is_authenticated:
        return []
    assignments = list(
        Assignment.objects.filter(user=user)
        .select_related("assessment__organisation", "user")
        .order_by("assessment__deadline")
    )
    now = timezone.now()
    return [
        for_learner(progress_of(assignment, now=now), visible=results_visible(assignment.assessment, now=now))
        for assignment in assignments
    ]


def assignment_for_learner(*, user: User, public_id: UUID | str) -> Assignment:
    return get_object_or_404(
        Assignment.objects.select_related("assessment__organisation", "user"), public_id=public_id, user=user
    )


def assignment_part(*, assignment: Assignment, part_id: int) -> AssessmentQuiz:
    return get_object_or_404(
        AssessmentQuiz.objects.select_related("quiz__course"), assessment=assignment.assessment_id, pk=part_id
    )


def assessment_attempt(*, assignment: Assignment, part: AssessmentQuiz, number: int) -> Attempt:
    attempt = get_object_or_404(
        Attempt, user=assignment.user_id, quiz=part.quiz_id, scope=assignment.assessment.scope, number=number
    )
    attempt.quiz = part.quiz
    return attempt


def learner_view(assignment: Assignment) -> dict:
    """What the learner's assignment page shows: scores only when the assessment's policy allows."""
    visible = results_visible(assignment.assessment)
    progress = for_learner(progress_of(assignment), visible=visible)
    quiz_parts = {part.pk: part for part in assignment.assessment.parts.select_related("quiz")}
    for part in progress.parts:
        if part.kind == "quiz":
            source = quiz_parts[part.pk]
            part.questions = quiz_question_count(quiz=source.quiz, per_factor=source.draw_per_factor or 0)
    return {"progress": progress, "results_visible": visible}


def course_certificate_candidates(user: User) -> list[dict]:
    """Published courses with whether the learner has completed them and already holds their certificate."""
    held = set(Certificate.objects.filter(user=user, kind=Certificate.Kind.COURSE).values_list("course_id", flat=True))
    return [
        {"course": course, "complete": course_is_complete(user=user, course=course), "held": course.pk in held}
        for course in Course.objects.published()
    ]


def organisation_pools(organisation: Organisation) -> list[QuestionPool]:
    return list(
        organisation.pools.select_related("quiz").annotate(
            question_count=Count("quiz__questions", filter=Q(quiz__questions__published=True))
        )
    )
