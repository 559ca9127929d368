"""Certificates: issued for a passed assessment or a completed course, printed by their owner, verified by anyone."""

from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404

from accounts.names import display_name
from courses.models import Course, LessonProgress
from quizzes.models import Quiz
from quizzes.selectors import quiz_score
from teams.models import Assignment, Certificate


class NotEligible(Exception):
    pass


def _issue(*, user, kind: str, title: str, **target) -> Certificate:
    existing = Certificate.objects.filter(user=user, kind=kind, **target).first()
    if existing is not None:
        return existing
    try:
        with transaction.atomic():
            return Certificate.objects.create(
                user=user, kind=kind, title=title, holder_name=display_name(user), **target
            )
    except IntegrityError:  # issued by a concurrent request
        return Certificate.objects.get(user=user, kind=kind, **target)


def certificate_issue_for_assignment(*, assignment: Assignment) -> Certificate:
    if assignment.passed_at is None:
        raise NotEligible("The assessment is not passed.")
    assessment = assignment.assessment
    return _issue(
        user=assignment.user,
        kind=Certificate.Kind.ASSESSMENT,
        title=f"{assessment.title} ({assessment.organisation.name})",
        assessment=assessment,
    )


def course_is_complete(*, user, course: Course) -> bool:
    """Every published lesson done and the course's final quiz passed (by the learner's own attempts)."""
    lessons = course.lessons.published().values_list("pk", flat=True)
    done = set(LessonProgress.objects.filter(user=user, lesson__in=lessons).values_list("lesson_id", flat=True))
    if not lessons or done != set(lessons):
        return False
    final = Quiz.objects.published().filter(course=course, slug="final").first()
    if final is None:
        return False
    score = quiz_score(user=user, quiz=final)
    return score is not None and score >= final.pass_mark


def certificate_issue_for_course(*, user, course: Course) -> Certificate:
    if not course_is_complete(user=user, course=course):
        raise NotEligible("Finish every lesson and pass the final assessment first.")
    return _issue(user=user, kind=Certificate.Kind.COURSE, title=course.title, course=course)


def certificates_rename(*, user) -> int:
    """Print the person's current name on the certificates they hold (a revoked one keeps its old name)."""
    return Certificate.objects.filter(user=user, revoked=False).update(holder_name=display_name(user))


def certificates_for(user) -> list[Certificate]:
    return list(Certificate.objects.filter(user=user, revoked=False))


def certificate_for_owner(*, user, public_id) -> Certificate:
    """The printable page: its owner only; anyone else's id is not found."""
    return get_object_or_404(Certificate, public_id=public_id, user=user)


def certificate_verify(*, code: str) -> Certificate | None:
    """The public check: the certificate if the code is one we issued and did not revoke."""
    return Certificate.objects.filter(code=code, revoked=False).first()
