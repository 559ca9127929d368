import json
from datetime import timedelta

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from quizzes.models import Attempt
from teams import services
from teams.models import Assessment, Certificate, Invitation
from tests.factories import UserFactory
from tests.quizzes.conftest import answer_data
from tests.teams.helpers import take

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_assessment(outsider, final_bank):
    organisation = outsider.team_memberships.get().organisation
    return services.assessment_create(
        organisation=organisation,
        created_by=outsider,
        title="Their secret assessment",
        deadline=timezone.now() + timedelta(days=3),
        pass_mark=70,
        attempts_allowed=1,
        time_limit_minutes=None,
        feedback=Assessment.Feedback.AFTER_SUBMIT,
        quizzes=[(final_bank, 1)],
    )


def admin_urls(assessment) -> list[str]:
    args = [assessment.public_id]
    return [
        reverse("teams:assessment", args=args),
        reverse("teams:assessment_csv", args=args),
        reverse("teams:assessment_json", args=args),
        reverse("teams:organisation", args=[assessment.organisation.public_id]),
        reverse("teams:assessment_create", args=[assessment.organisation.public_id]),
    ]


def test_admin_sees_the_report_with_statuses_chart_and_exports(client, admin, assessment, assignment):
    take(assignment, assessment.parts.get())
    client.force_login(admin)
    response = client.get(assessment.get_absolute_url())
    html = response.content.decode()
    assert response.status_code == 200
    assert html.count("<h1") == 1
    assert "ada" in html and "Passed" in html
    assert '<svg class="strength-chart"' in html
    partial = client.get(assessment.get_absolute_url(), headers={"HX-Request": "true"}).content.decode()
    assert "<h1" not in partial and 'id="report"' in partial

    csv_text = client.get(reverse("teams:assessment_csv", args=[assessment.public_id])).content.decode()
    header, row = csv_text.splitlines()[:2]
    assert header.startswith("username,name,email,status,score,passed_at")
    assert row.startswith("ada,ada,ada@example.com,passed,100.0,")  # no name given: the username
    data = json.loads(client.get(reverse("teams:assessment_json", args=[assessment.public_id])).content)
    assert data["people"][0]["status"] == "passed"


def test_another_organisations_pages_and_exports_are_404(client, admin, other_assessment):
    client.force_login(admin)
    for url in admin_urls(other_assessment):
        assert client.get(url).status_code == 404, url
    for name in ("assessment_assign", "assessment_invite"):
        assert client.post(reverse(f"teams:{name}", args=[other_assessment.public_id])).status_code == 404
    assert (
        client.post(
            reverse("teams:organisation_invite", args=[other_assessment.organisation.public_id]),
            {"email": "x@example.com"},
        ).status_code
        == 404
    )
    assert not Invitation.objects.exists()


def test_a_member_cannot_see_the_admin_report(client, member, assessment, assignment):
    client.force_login(member)
    for url in admin_urls(assessment):
        assert client.get(url).status_code == 404, url


def test_anonymous_is_sent_to_log_in(client, assessment):
    response = client.get(assessment.get_absolute_url())
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


def test_another_persons_assignment_and_attempt_are_404(client, admin, assessment, assignment):
    part = assessment.parts.get()
    attempt = services.assessment_attempt_start(assignment=assignment, part=part)
    client.force_login(admin)  # an admin of the same organisation, but not the assignee
    assert client.get(assignment.get_absolute_url()).status_code == 404
    args = [assignment.public_id, part.pk, attempt.number]
    assert client.get(reverse("teams:attempt", args=args)).status_code == 404
    assert client.post(reverse("teams:attempt_start", args=args[:2])).status_code == 404
    assert client.post(reverse("teams:attempt_submit", args=args)).status_code == 404
    assert client.post(reverse("teams:answer", args=[*args, 1]), {"answer": "true"}).status_code == 404


def test_admin_assigns_members_from_the_form(client, admin, member, assessment):
    client.force_login(admin)
    response = client.post(reverse("teams:assessment_assign", args=[assessment.public_id]), {"members": [member.pk]})
    assert response.status_code == 302
    assert assessment.assignments.filter(user=member).exists()
    assert mail.outbox[0].to == ["ada@example.com"]


def test_admin_cannot_assign_someone_outside_the_org(client, admin, outsider, assessment):
    client.force_login(admin)
    response = client.post(reverse("teams:assessment_assign", args=[assessment.public_id]), {"members": [outsider.pk]})
    assert response.status_code == 422
    assert not assessment.assignments.exists()


def test_admin_creates_an_assessment(client, admin, organisation, final_bank):
    client.force_login(admin)
    deadline = (timezone.now() + timedelta(days=5)).strftime("%Y-%m-%dT%H:%M")
    response = client.post(
        reverse("teams:assessment_create", args=[organisation.public_id]),
        {
            "title": "Week one",
            "quizzes": [final_bank.pk],
            "questions_per_factor": 2,
            "pass_mark": 75,
            "deadline": deadline,
            "attempts_allowed": 3,
            "time_limit_minutes": 20,
            "feedback": "after_deadline",
        },
    )
    assessment = Assessment.objects.get(title="Week one")
    assert response.status_code == 302 and response["Location"] == assessment.get_absolute_url()
    assert assessment.parts.get().draw_per_factor == 2
    assert (assessment.pass_mark, assessment.attempts_allowed, assessment.time_limit_minutes) == (75, 3, 20)


def test_invitation_link_joins_and_assigns(client, admin, assessment):
    invitation = services.invitation_create(
        organisation=assessment.organisation, assessment=assessment, email="n@example.com", invited_by=admin
    )
    newcomer = UserFactory(username="newcomer")
    client.force_login(newcomer)
    assert client.get(invitation.get_absolute_url()).status_code == 200
    assert client.post(invitation.get_absolute_url()).status_code == 302
    assert assessment.assignments.filter(user=newcomer).exists()
    assert client.get(reverse("teams:invitation", args=["guess"])).status_code == 404


def test_learner_takes_the_assessment_through_the_pages(client, member, assessment, assignment):
    client.force_login(member)
    page = client.get(assignment.get_absolute_url()).content.decode()
    assert "Onboarding check" in page and "Start" in page
    part = assessment.parts.get()
    response = client.post(reverse("teams:attempt_start", args=[assignment.public_id, part.pk]))
    attempt = Attempt.objects.get(user=member, scope=assessment.scope)
    assert response["Location"] == reverse("teams:attempt", args=[assignment.public_id, part.pk, 1])
    html = client.get(response["Location"]).content.decode()
    answer_url = reverse("teams:answer", args=[assignment.public_id, part.pk, 1, 1])
    assert f'action="{answer_url}"' in html
    assert "/quizzes/" not in answer_url
    assert "tag-key" not in html  # no answer key during an assessment
    item = attempt.items.select_related("version").get(position=1)
    # What the page posts for this question, whichever type the assessment drew first.
    response = client.post(answer_url, answer_data(attempt, item), headers={"HX-Request": "true"})
    assert response.status_code == 200
    assert "tag-key" not in response.content.decode()
    assert attempt.answers.filter(item=item).exists()
    response = client.post(reverse("teams:attempt_submit", args=[assignment.public_id, part.pk, 1]))
    assert response["Location"] == assignment.get_absolute_url()
    assert Attempt.objects.get(pk=attempt.pk).submitted_at is not None


def test_learner_list_and_home_include(client, member, assignment):
    client.force_login(member)
    html = client.get(reverse("teams:assignments")).content.decode()
    assert "Onboarding check" in html and "On time" in html
    from django.template.loader import render_to_string

    from teams.selectors import assignments_for

    include = render_to_string("teams/includes/home_assignments.html", {"assignments": assignments_for(member)})
    assert "Onboarding check" in include and assignment.get_absolute_url() in include


def test_certificate_page_is_private_and_verification_is_public(client, member, admin, assessment, assignment):
    take(assignment, assessment.parts.get())
    certificate = Certificate.objects.get(user=member)
    client.force_login(member)
    html = client.get(certificate.get_absolute_url()).content.decode()
    assert "ada" in html and "Onboarding check" in html and certificate.get_verification_url() in html
    client.force_login(admin)
    assert client.get(certificate.get_absolute_url()).status_code == 404
    client.logout()
    assert client.get(certificate.get_absolute_url()).status_code == 302  # to log in
    verify = client.get(certificate.get_verification_url())
    text = verify.content.decode()
    assert verify.status_code == 200 and "Valid certificate" in text
    assert "ada@example.com" not in text and "100" not in text and "%" not in text
    assert client.get(reverse("teams:verify", args=["nope"])).status_code == 404


def test_report_and_exports_name_people_by_the_name_they_go_by(client, admin, assessment, assignment, member):
    member.first_name = "Ada Lovelace"
    member.save()
    take(assignment, assessment.parts.get())
    client.force_login(admin)

    html = client.get(assessment.get_absolute_url()).content.decode()
    assert 'Ada Lovelace <span class="meta person-username">ada</span>' in html
    csv_text = client.get(reverse("teams:assessment_csv", args=[assessment.public_id])).content.decode()
    assert csv_text.splitlines()[1].startswith("ada,Ada Lovelace,ada@example.com,passed,")
    members = client.get(assessment.organisation.get_absolute_url()).content.decode()
    assert "Ada Lovelace" in members


def test_certificate_page_prints_the_display_name(client, assessment, assignment, member):
    member.first_name = "Ada Lovelace"
    member.save()
    take(assignment, assessment.parts.get())
    certificate = Certificate.objects.get(user=member)
    client.force_login(member)

    html = client.get(reverse("teams:certificate", args=[certificate.public_id])).content.decode()

    assert '<h1 id="certificate-title" class="certificate-name">Ada Lovelace</h1>' in html
    verify = client.get(reverse("teams:verify", args=[certificate.code])).content.decode()
    assert "<dd>Ada Lovelace</dd>" in verify


def test_report_strengths_count_the_best_attempt_and_say_so(client, admin, assessment, assignment):
    part = assessment.parts.get()
    take(assignment, part, right=False)
    assignment.refresh_from_db()
    take(assignment, part, right=True)
    client.force_login(admin)

    html = client.get(assessment.get_absolute_url()).content.decode()

    assert "Counting each person's best attempt at each quiz" in html and "1 person, 1 attempt." in html
    assert "No factor below 60% of points." in html


def test_guessing_invitation_tokens_is_refused_after_a_few_tries_even_with_a_real_one(client, admin, assessment):
    invitation = services.invitation_create(
        organisation=assessment.organisation, assessment=assessment, email="g@example.com", invited_by=admin
    )
    client.force_login(UserFactory(username="guesser"))
    guesses = [
        client.get(reverse("teams:invitation", args=[f"guess-{n}"])).status_code
        for n in range(services.INVITATION_TOKEN_FAILURES_ALLOWED)
    ]
    refused = client.get(invitation.get_absolute_url())

    assert set(guesses) == {404}
    assert refused.status_code == 429
    assert "Try again in" in refused.content.decode()
    # From another address the real link still opens.
    assert client.get(invitation.get_absolute_url(), REMOTE_ADDR="198.51.100.7").status_code == 200
