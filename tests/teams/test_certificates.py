import pytest
from django.http import Http404
from django.utils import timezone

from accounts.services import profile_update
from quizzes import services as quiz_services
from quizzes.models import Quiz
from teams import certificates, services
from teams.models import Certificate
from tests.factories import LessonProgressFactory
from tests.teams.conftest import correct_response
from tests.teams.helpers import take

pytestmark = pytest.mark.django_db


def test_certificate_has_unguessable_ids_and_verifies(assessment, assignment, member):
    take(assignment, assessment.parts.get())
    certificate = Certificate.objects.get(user=member)
    assert len(certificate.code) >= 40
    assert certificates.certificate_verify(code=certificate.code) == certificate
    assert certificates.certificate_verify(code=certificate.code[:-1]) is None
    certificate.revoked = True
    certificate.save()
    assert certificates.certificate_verify(code=certificate.code) is None


def test_issuing_twice_returns_the_same_certificate(assessment, assignment):
    take(assignment, assessment.parts.get())
    assignment.refresh_from_db()
    first = certificates.certificate_issue_for_assignment(assignment=assignment)
    assert certificates.certificate_issue_for_assignment(assignment=assignment) == first


def test_only_the_owner_opens_the_printable_page(assessment, assignment, member, admin):
    take(assignment, assessment.parts.get())
    certificate = Certificate.objects.get(user=member)
    assert certificates.certificate_for_owner(user=member, public_id=certificate.public_id) == certificate
    with pytest.raises(Http404):
        certificates.certificate_for_owner(user=admin, public_id=certificate.public_id)


def test_course_certificate_needs_every_lesson_and_the_final_quiz(course_content, member):
    with pytest.raises(certificates.NotEligible):
        certificates.certificate_issue_for_course(user=member, course=course_content)
    for lesson in course_content.lessons.published():
        LessonProgressFactory(user=member, lesson=lesson, completed_at=timezone.now())
    assert not certificates.course_is_complete(user=member, course=course_content)  # the final quiz is not passed
    final = Quiz.objects.get(course=course_content, slug="final")
    attempt = quiz_services.attempt_start(user=member, quiz=final)
    for item in attempt.items.select_related("version"):
        quiz_services.answer_save(attempt=attempt, item=item, given={}, response=correct_response(item.version))
    quiz_services.attempt_submit(attempt=attempt)
    certificate = certificates.certificate_issue_for_course(user=member, course=course_content)
    assert certificate.kind == Certificate.Kind.COURSE and certificate.title == course_content.title


def test_a_passed_assessment_attempt_does_not_count_for_the_course(assessment, assignment, member, course_content):
    for lesson in course_content.lessons.published():
        LessonProgressFactory(user=member, lesson=lesson, completed_at=timezone.now())
    take(assignment, assessment.parts.get())  # the final bank, but in the assessment's scope
    assert not certificates.course_is_complete(user=member, course=course_content)


def test_certificate_is_issued_in_the_display_name_or_the_username(assessment, assignment, member, admin):
    take(assignment, assessment.parts.get())
    assert Certificate.objects.get(user=member).holder_name == "ada"  # no name given

    other = services.assignment_create(assessment=assessment, user=admin)
    admin.first_name = "Grace Hopper"
    admin.save()
    take(other, assessment.parts.get())
    assert Certificate.objects.get(user=admin).holder_name == "Grace Hopper"


def test_a_new_name_on_the_profile_reprints_held_certificates_but_not_revoked_ones(
    assessment, assignment, member, course_content
):
    take(assignment, assessment.parts.get())
    revoked = Certificate.objects.create(
        user=member, kind=Certificate.Kind.COURSE, course=course_content, title="Old", holder_name="ada", revoked=True
    )

    profile_update(user=member, name="  Ada Lovelace ", email="ada@example.com")

    assert Certificate.objects.get(user=member, revoked=False).holder_name == "Ada Lovelace"
    revoked.refresh_from_db()
    assert revoked.holder_name == "ada"
