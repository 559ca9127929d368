"""Browser journey: an admin assigns an assessment, the learner takes and passes it and verifies the certificate."""

import hashlib

import pytest
from playwright.sync_api import expect

from quizzes import services as quiz_services
from quizzes.models import Question, QuestionVersion, Quiz
from teams import services
from tests.conftest import screenshot
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

STATEMENTS = [
    "Disposable processes start fast and shut down gracefully on SIGTERM.",
    "A worker should return its current job to the queue when it is told to stop.",
    "Crash-only design means a process can die at any moment without corrupting state.",
]


def warm_up_quiz(course) -> Quiz:
    """A small known quiz (three true statements about factor IX), so the journey can answer it right."""
    quiz = Quiz.objects.create(course=course, slug="e2e-warm-up", title="Disposability warm-up", order=99)
    for order, statement in enumerate(STATEMENTS):
        question = Question.objects.create(quiz=quiz, key=f"q{order}", order=order)
        definition = {"id": f"q{order}", "type": "true_false", "prompt": statement, "answer": True}
        version = QuestionVersion.objects.create(
            question=question,
            content_hash=hashlib.sha256(statement.encode()).hexdigest(),
            type="true_false",
            definition=definition,
            rendered={
                "prompt": f"<p>{statement}</p>",
                "explanation": "<p>See the lesson.</p>",
                "feedback": {"true": "", "false": ""},
            },
            factor=9,
            lesson_slug="disposability",
            anchor="top",
        )
        question.current_version = version
        question.save()
    return quiz


def test_admin_assigns_learner_passes_and_verifies_certificate(browser, open_context, course_content):
    warm_up_quiz(course_content)
    admin = UserFactory(username="grace", email="grace@example.com", password=PASSWORD)
    learner = UserFactory(username="ada", email="ada@example.com", password=PASSWORD)
    organisation = services.organisation_create(name="Acme Onboarding", admin=admin)
    services.membership_add(organisation=organisation, user=learner)

    admin_context = open_context(None)
    learner_context = open_context(None)
    errors: list[str] = []
    for context in (admin_context, learner_context):
        context.on("weberror", lambda error: errors.append(str(error.error)))
    admin_page = admin_context.new_page()
    learner_page = learner_context.new_page()
    for page in (admin_page, learner_page):
        page.on("console", lambda msg: msg.type == "error" and errors.append(msg.text))

    # The admin creates the assessment and assigns it.
    log_in(admin_page, "grace")
    admin_page.goto("/teams/")
    admin_page.get_by_role("link", name="Acme Onboarding").click()
    screenshot(admin_page, "team-organisation")
    admin_page.get_by_role("link", name="New assessment").click()
    expect(admin_page.locator("h1")).to_have_text("New assessment")
    admin_page.get_by_label("Title").fill("Week one: disposability")
    admin_page.get_by_label("Disposability warm-up").check()
    admin_page.get_by_label("Pass mark").fill("70")
    admin_page.get_by_label("Deadline").fill("2099-01-31T17:00")
    admin_page.get_by_label("Attempts allowed").fill("2")
    admin_page.get_by_label("Time limit (minutes)").fill("15")
    admin_page.get_by_label("Feedback to the learner").select_option("after_submit")
    screenshot(admin_page, "team-assessment-form")
    admin_page.get_by_role("button", name="Create assessment").click()
    expect(admin_page.locator("h1")).to_have_text("Week one: disposability")
    admin_page.get_by_label("ada").check()
    admin_page.get_by_role("button", name="Assign").click()
    expect(admin_page.get_by_role("status")).to_contain_text("Assigned to 1 people")
    expect(admin_page.locator("#report")).to_contain_text("On time")
    report_url = admin_page.url

    # The learner sees the assignment, takes the quiz and passes.
    log_in(learner_page, "ada")
    learner_page.goto("/teams/assignments/")
    expect(learner_page.get_by_role("cell", name="On time")).to_be_visible()
    screenshot(learner_page, "team-assignments")
    learner_page.get_by_role("link", name="Week one: disposability").click()
    learner_page.get_by_role("button", name="Start Disposability warm-up").click()
    expect(learner_page.locator("h1")).to_have_text("Disposability warm-up")
    for position in range(1, 4):
        question = learner_page.locator(f"#question-{position}")
        question.get_by_label("True").check()
        question.get_by_role("button", name="Save answer").click()
        expect(learner_page.locator(f"#question-{position}").get_by_text("Answer saved")).to_be_visible()
    expect(learner_page.locator("#quiz-progress")).to_contain_text("3 of 3 answered")
    screenshot(learner_page, "team-attempt")
    learner_page.get_by_role("button", name="Submit attempt").click()
    expect(learner_page.locator(".status-line")).to_contain_text("Passed")
    expect(learner_page.locator(".status-line")).to_contain_text("100%")
    screenshot(learner_page, "team-assignment-passed")

    # The certificate, on screen and in print, then its public verification page.
    learner_page.get_by_role("link", name="Open your certificate").click()
    expect(learner_page.locator("h1")).to_have_text("ada")
    expect(learner_page.locator(".certificate")).to_contain_text("Week one: disposability (Acme Onboarding)")
    screenshot(learner_page, "team-certificate")
    learner_page.emulate_media(media="print")
    expect(learner_page.locator(".site-header")).to_be_hidden()
    screenshot(learner_page, "team-certificate-print")
    learner_page.emulate_media(media="screen")
    verify_link = learner_page.locator(".certificate-verify a")
    verify_url = verify_link.get_attribute("href")
    anonymous = browser.new_context().new_page()  # anyone, signed out
    anonymous.goto(verify_url)
    expect(anonymous.get_by_role("status")).to_contain_text("Valid certificate")
    expect(anonymous.locator("body")).not_to_contain_text("ada@example.com")
    expect(anonymous.locator("body")).not_to_contain_text("100")
    screenshot(anonymous, "team-verify")
    anonymous.context.close()

    # A second hire answers everything wrong (through the services), so the chart has a weak factor.
    linus = UserFactory(username="linus", email="linus@example.com", password=PASSWORD)
    services.membership_add(organisation=organisation, user=linus)
    assessment = organisation.assessments.get()
    other = services.assignment_create(assessment=assessment, user=linus)
    attempt = services.assessment_attempt_start(assignment=other, part=assessment.parts.get())
    for item in attempt.items.all():
        quiz_services.answer_save(attempt=attempt, item=item, given={}, response=False)
    services.assessment_attempt_submit(assignment=other, attempt=attempt)

    # The admin's report shows the pass and the per-factor chart, in light and dark.
    admin_page.goto(report_url)
    expect(admin_page.locator(".weak-summary")).to_contain_text("Weak on IX. Disposability")
    expect(admin_page.locator("#report")).to_contain_text("Passed")
    expect(admin_page.locator("svg.strength-chart")).to_be_visible()
    expect(admin_page.locator(".strength-table")).to_contain_text("IX. Disposability")
    screenshot(admin_page, "team-report-light")
    admin_page.get_by_role("button", name="Dark theme").click()
    expect(admin_page.locator("html")).to_have_attribute("data-theme", "dark")
    screenshot(admin_page, "team-report-dark")

    admin_context.close()
    learner_context.close()
    assert errors == []
