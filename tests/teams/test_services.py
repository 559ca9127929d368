from collections import Counter
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.models import Quiz
from teams import services
from teams.models import Certificate, Membership
from tests.factories import UserFactory
from tests.teams.helpers import take

pytestmark = pytest.mark.django_db


def factors_of(attempt) -> Counter:
    return Counter(item.version.factor for item in attempt.items.select_related("version"))


def test_assessment_draws_n_questions_per_factor_from_the_final_bank(assessment, assignment, final_bank):
    part = assessment.parts.get()
    attempt = services.assessment_attempt_start(assignment=assignment, part=part)
    bank_factors = set(final_bank.questions.values_list("current_version__factor", flat=True))
    counts = factors_of(attempt)
    assert set(counts) == bank_factors
    assert set(counts.values()) == {1}
    assert attempt.scope == assessment.scope


def test_two_per_factor_when_asked(make_assessment, member, final_bank):
    assessment = make_assessment(quizzes=[(final_bank, 2)])
    assignment = services.assignment_create(assessment=assessment, user=member)
    attempt = services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())
    assert set(factors_of(attempt).values()) == {2}
    assert attempt.items.count() == quiz_selectors.quiz_question_count(quiz=final_bank, per_factor=2)


def test_whole_quiz_when_no_draw(make_assessment, member, course_content):
    quiz = Quiz.objects.get(course=course_content, slug="disposability")
    assessment = make_assessment(quizzes=[(quiz, None)])
    assignment = services.assignment_create(assessment=assessment, user=member)
    attempt = services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())
    assert attempt.items.count() == quiz.questions.published().count()


def test_draw_and_order_differ_per_person(assessment, organisation):
    part = assessment.parts.get()
    draws = set()
    for n in range(4):
        user = UserFactory(username=f"hire{n}")
        services.membership_add(organisation=organisation, user=user)
        assignment = services.assignment_create(assessment=assessment, user=user)
        attempt = services.assessment_attempt_start(assignment=assignment, part=part)
        draws.add(tuple(attempt.items.order_by("position").values_list("version_id", flat=True)))
    assert len(draws) > 1


def test_attempt_time_limit_and_deadline(make_assessment, member):
    soon = timezone.now() + timedelta(minutes=10)
    assessment = make_assessment(time_limit_minutes=30, deadline=soon)
    assignment = services.assignment_create(assessment=assessment, user=member)
    attempt = services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())
    assert attempt.deadline == soon  # the deadline comes before the time limit runs out

    later = make_assessment(title="Later", time_limit_minutes=30)
    other = services.assignment_create(assessment=later, user=member)
    started = timezone.now()
    attempt = services.assessment_attempt_start(assignment=other, part=later.parts.get())
    assert timedelta(minutes=29) < attempt.deadline - started <= timedelta(minutes=30, seconds=5)


def test_no_attempt_after_the_deadline(make_assessment, member):
    assessment = make_assessment(deadline=timezone.now() + timedelta(days=1))
    assignment = services.assignment_create(assessment=assessment, user=member)
    assessment.deadline = timezone.now() - timedelta(minutes=1)
    assessment.save()
    with pytest.raises(services.AssessmentClosed, match="deadline"):
        services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())


def test_attempt_limit(make_assessment, member):
    assessment = make_assessment(attempts_allowed=1)
    assignment = services.assignment_create(assessment=assessment, user=member)
    part = assessment.parts.get()
    take(assignment, part, right=False)
    with pytest.raises(services.AssessmentClosed, match="every attempt"):
        services.assessment_attempt_start(assignment=assignment, part=part)


def test_resuming_returns_the_open_attempt(assessment, assignment):
    part = assessment.parts.get()
    first = services.assessment_attempt_start(assignment=assignment, part=part)
    assert services.assessment_attempt_start(assignment=assignment, part=part) == first


def test_assessment_attempts_stay_out_of_the_learners_own_quiz_pages(assessment, assignment, member, final_bank):
    take(assignment, assessment.parts.get())
    assert quiz_selectors.attempts_for(user=member, quiz=final_bank) == []
    assert quiz_selectors.quiz_score(user=member, quiz=final_bank) is None
    assert quiz_selectors.attempt_get(user=member, quiz=final_bank, number=1) is None
    # The learner's own first attempt is number 1 too: the scopes do not collide.
    own = quiz_services.attempt_start(user=member, quiz=final_bank)
    assert own.number == 1 and own.scope == ""


def test_answers_can_change_until_submitted_even_in_immediate_feedback_quizzes(make_assessment, member, course_content):
    quiz = Quiz.objects.get(course=course_content, slug="config")
    assert quiz.feedback == Quiz.Feedback.IMMEDIATE
    assessment = make_assessment(quizzes=[(quiz, None)])
    assignment = services.assignment_create(assessment=assessment, user=member)
    attempt = services.assessment_attempt_start(assignment=assignment, part=assessment.parts.get())
    item = attempt.items.select_related("version").filter(version__type="true_false").first()
    answer = item.version.definition["answer"]
    quiz_services.answer_save(attempt=attempt, item=item, given={}, response=not answer)
    result = quiz_services.answer_save(attempt=attempt, item=item, given={}, response=answer)
    assert result.changed and not result.locked


def test_passing_records_the_pass_and_issues_a_certificate(assessment, assignment, member):
    take(assignment, assessment.parts.get())
    assignment.refresh_from_db()
    assert assignment.passed_at is not None
    assert assignment.score == 100.0
    certificate = Certificate.objects.get(user=member, assessment=assessment)
    assert certificate.holder_name == "ada"
    assert "Onboarding check" in certificate.title


def test_failing_issues_nothing(assessment, assignment, member):
    take(assignment, assessment.parts.get(), right=False)
    assignment.refresh_from_db()
    assert assignment.passed_at is None
    assert not Certificate.objects.filter(user=member).exists()


def test_no_certificate_before_the_deadline_when_scores_wait_for_it(make_assessment, member):
    assessment = make_assessment(feedback="after_deadline")
    assignment = services.assignment_create(assessment=assessment, user=member)
    take(assignment, assessment.parts.get())
    assignment.refresh_from_db()
    assert assignment.passed_at is not None  # the admin sees the pass
    assert not Certificate.objects.filter(user=member).exists()
    services.assignment_evaluate(assignment=assignment, now=assessment.deadline + timedelta(seconds=1))
    assert Certificate.objects.filter(user=member, assessment=assessment).exists()


def test_assigning_a_non_member_is_refused(assessment, outsider):
    with pytest.raises(ValueError):
        services.assignment_create(assessment=assessment, user=outsider)


def test_assigning_emails_the_member_once(assessment, member):
    services.assignment_create(assessment=assessment, user=member)
    services.assignment_create(assessment=assessment, user=member)
    assert [m.to for m in mail.outbox] == [["ada@example.com"]]
    assert "Onboarding check" in mail.outbox[0].subject


def test_invitation_email_and_accept_join_the_org_and_the_assessment(assessment, admin, organisation):
    invitation = services.invitation_create(
        organisation=organisation, assessment=assessment, email="new@example.com", invited_by=admin
    )
    assert len(invitation.token) >= 40
    assert invitation.get_absolute_url() in mail.outbox[0].body
    newcomer = UserFactory(username="newcomer", email="new@example.com")
    services.invitation_accept(token=invitation.token, user=newcomer)
    assert Membership.objects.get(organisation=organisation, user=newcomer).role == Membership.Role.MEMBER
    assert assessment.assignments.filter(user=newcomer).exists()
    services.invitation_accept(token=invitation.token, user=newcomer)  # accepting twice is harmless
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(token=invitation.token, user=UserFactory(username="someone-else"))
    with pytest.raises(services.InvitationInvalid):
        services.invitation_accept(token="not-a-token", user=newcomer)


def test_invitations_are_rate_limited_per_admin(organisation, admin, monkeypatch):
    monkeypatch.setattr(services, "INVITATIONS_PER_HOUR", 2)
    for n in range(2):
        services.invitation_create(organisation=organisation, email=f"p{n}@example.com", invited_by=admin)
    with pytest.raises(services.TooManyInvitations):
        services.invitation_create(organisation=organisation, email="p3@example.com", invited_by=admin)
    assert len(mail.outbox) == 2


def test_certificates_waiting_for_the_deadline_are_issued_once_it_passes(make_assessment, member):
    assessment = make_assessment(feedback="after_deadline")
    assignment = services.assignment_create(assessment=assessment, user=member)
    take(assignment, assessment.parts.get())
    assert services.certificates_issue_due(now=assessment.deadline - timedelta(seconds=1)) == 0
    assert not Certificate.objects.filter(user=member).exists()
    assert services.certificates_issue_due(now=assessment.deadline + timedelta(seconds=1)) == 1
    assert Certificate.objects.filter(user=member, assessment=assessment).count() == 1
    assert services.certificates_issue_due(now=assessment.deadline + timedelta(seconds=2)) == 0  # idempotent
