"""The one answer flow, in the browser: answers filled in are never lost, with or without JavaScript, in a team
assessment and in a practice quiz, and submitting with questions unanswered asks first."""

from datetime import timedelta

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Course
from quizzes.models import Attempt, Question, QuestionVersion, Quiz
from teams import services as team_services
from teams.models import Assessment
from tests.conftest import screenshot
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


# (definition, rendered): one of each control a learner fills in (radio, true/false, text), rendered as the loader
# would, so the test knows the right answers.
QUESTIONS = [
    (
        {
            "type": "single",
            "options": [{"text": "In the environment", "correct": True}, {"text": "In a file", "correct": False}],
        },
        {"options": ["<p>In the environment</p>", "<p>In a file</p>"], "feedback": ["", ""]},
    ),
    ({"type": "true_false", "answer": False}, {"feedback": {"true": "", "false": ""}}),
    ({"type": "short_text", "accepted": [".env.example"]}, {}),
    ({"type": "true_false", "answer": False}, {"feedback": {"true": "", "false": ""}}),
]
TOTAL = len(QUESTIONS)


def flow_quiz(*, feedback: str, display: str) -> Quiz:
    course = Course.objects.create(slug="flow", title="Flow course")
    quiz = Quiz.objects.create(course=course, slug="flow-check", title="Flow check", feedback=feedback, display=display)
    for order, (definition, rendered) in enumerate(QUESTIONS, start=1):
        question = Question.objects.create(quiz=quiz, key=f"q{order}", order=order)
        question.current_version = QuestionVersion.objects.create(
            question=question,
            content_hash=f"{order:064d}",
            type=definition["type"],
            definition={"id": f"q{order}", "prompt": f"Question {order}", **definition},
            rendered={"prompt": f"<p>Prompt {order}</p>", "explanation": "<p>Why.</p>", **rendered},
            factor=3,
            lesson_slug="config",
            anchor="top",
        )
        question.save()
    return quiz


def fill(page, order: int) -> None:
    """Give the right answer to one question the way a learner does, pressing no save button. Found by its prompt:
    an assessment shuffles the questions."""
    question = page.locator(".question", has=page.get_by_text(f"Prompt {order}", exact=True))
    if order == 1:
        question.get_by_label("In the environment").check()
    elif order == 3:
        question.get_by_label("Your answer").fill(".env.example")
    else:
        question.get_by_label("False").check()


def start_assessment(quiz: Quiz, username: str):
    admin = UserFactory(username=f"{username}-admin", password=PASSWORD)
    organisation = team_services.organisation_create(name="Acme", admin=admin)
    learner = User.objects.get(username=username)
    team_services.membership_add(organisation=organisation, user=learner)
    assessment = team_services.assessment_create(
        organisation=organisation,
        created_by=admin,
        title="Week one",
        deadline=timezone.now() + timedelta(days=7),
        pass_mark=70,
        attempts_allowed=1,
        time_limit_minutes=None,
        feedback=Assessment.Feedback.AFTER_SUBMIT,
        quizzes=[(quiz, 0)],
    )
    return team_services.assignment_create(assessment=assessment, user=learner)


def open_assessment_attempt(page, assignment) -> None:
    page.goto(assignment.get_absolute_url())
    page.get_by_role("button", name="Start Flow check").click()
    expect(page.locator("h1")).to_have_text("Flow check")


@pytest.mark.parametrize("javascript", [True, False], ids=["htmx", "no-javascript"])
def test_assessment_answers_filled_in_count_without_pressing_save(signed_in_page, javascript):
    quiz = flow_quiz(feedback="after_submit", display="all")
    UserFactory(username="ada")
    page = signed_in_page("ada", java_script_enabled=javascript)
    assignment = start_assessment(quiz, "ada")
    open_assessment_attempt(page, assignment)
    for position in range(1, TOTAL + 1):
        fill(page, position)
    if javascript:
        # Saved as given: each question says so, and the progress counts it, before anything is submitted.
        for position in range(1, TOTAL + 1):
            expect(page.locator(f"#question-{position} .saved")).to_have_text("Answer saved")
        expect(page.locator("#quiz-progress")).to_contain_text(f"{TOTAL} of {TOTAL} answered")
        screenshot(page, "flow-assessment-saved")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.locator(".status-line")).to_contain_text("Passed")
    expect(page.locator(".status-line")).to_contain_text("100%")
    assert dialogs == []  # every question answered: nothing to confirm
    attempt = Attempt.objects.get(user__username="ada", quiz=quiz)
    assert attempt.score == 100.0 and attempt.answers.count() == TOTAL
    assert page.js_errors == []


def test_assessment_confirms_before_submitting_with_questions_unanswered(signed_in_page):
    quiz = flow_quiz(feedback="after_submit", display="all")
    UserFactory(username="ada")
    page = signed_in_page("ada")
    assignment = start_assessment(quiz, "ada")
    open_assessment_attempt(page, assignment)
    fill(page, 1)
    expect(page.locator(".question .saved")).to_have_count(1)
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.locator("h1")).to_have_text("Flow check")  # dismissed: still taking it
    assert dialogs == [f"{TOTAL - 1} of {TOTAL} unanswered — submit anyway?"]
    assert Attempt.objects.get(user__username="ada", quiz=quiz).submitted_at is None
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.accept()))
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.locator(".status-line")).to_contain_text("25%")
    assert Attempt.objects.get(user__username="ada", quiz=quiz).submitted_at is not None


def test_practice_next_question_keeps_the_choice_and_submit_keeps_the_last(signed_in_page):
    """Immediate feedback, one question at a time: choosing and pressing "Next question" (never "Check answer")
    saves each choice, and "Submit attempt" saves the one on screen."""
    quiz = flow_quiz(feedback="immediate", display="one")
    UserFactory(username="kim")
    page = signed_in_page("kim")
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    for position in range(1, TOTAL + 1):
        expect(page.locator(f"#question-{position} h2")).to_contain_text(f"Question {position}")
        fill(page, position)
        if position < TOTAL:
            page.get_by_role("button", name="Next question").click()
    expect(page.locator("#quiz-progress")).to_contain_text(f"{TOTAL - 1} of {TOTAL} answered")
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.locator("h1")).to_have_text("Your results")
    expect(page.locator(".result-number")).to_have_text("100%")
    assert dialogs == []  # the last choice is on screen, so nothing is unanswered
    assert page.js_errors == []


def test_practice_submitting_nothing_asks_first(signed_in_page):
    quiz = flow_quiz(feedback="after_submit", display="all")
    UserFactory(username="kim")
    page = signed_in_page("kim")
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    dialogs: list[str] = []
    page.once("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Submit attempt").click()
    expect(page.locator("h1")).to_have_text("Flow check")
    assert dialogs == [f"{TOTAL} of {TOTAL} unanswered — submit anyway?"]
    assert Attempt.objects.get(user__username="kim", quiz=quiz).submitted_at is None
    # Typing is saved after a pause, with no button and no change of focus.
    page.locator("#question-3").get_by_label("Your answer").press_sequentially(".env.example")
    expect(page.locator("#question-3 .saved")).to_have_text("Answer saved")
    assert page.evaluate("() => document.activeElement.name") == "q3-answer"
    assert page.js_errors == []


def test_progress_keeps_the_newest_count_when_answers_come_back_out_of_order(signed_in_page):
    """Answers saved together can come back in another order than they were written: the reply to an earlier write
    arriving last must not take back what a later one counted."""
    quiz = flow_quiz(feedback="after_submit", display="all")
    UserFactory(username="kim")
    page = signed_in_page("kim")
    page.goto(quiz.get_absolute_url())
    page.get_by_role("button", name="Start the quiz").click()
    held = []

    def hold_the_first_answer(route):
        if held:
            route.continue_()
            return
        held.append((route, route.fetch()))  # written on the server; its reply kept back from the page

    def prompt_at(position: int) -> int:  # the quiz may shuffle its questions
        return int(page.locator(f"#question-{position} .question-prompt").inner_text().split()[-1])

    page.route("**/questions/2/", hold_the_first_answer)
    fill(page, prompt_at(2))
    for _ in range(600):  # the route handler runs while the page waits; a loaded CI machine can take seconds
        if held:
            break
        page.wait_for_timeout(50)
    assert held, "the answer to question 2 never reached the server"
    assert Attempt.objects.get(user__username="kim", quiz=quiz).answers.count() == 1, "question 2 was not saved"
    fill(page, prompt_at(1))
    expect(page.locator("#quiz-progress")).to_contain_text(f"2 of {TOTAL} answered")

    route, reply = held[0]
    route.fulfill(response=reply)  # the earlier write's reply, which counted one answer, arrives last
    expect(page.locator("#question-2 .saved")).to_have_text("Answer saved")
    expect(page.locator("#quiz-progress")).to_contain_text(f"2 of {TOTAL} answered")
    expect(page.locator("#quiz-progress .is-answered")).to_have_count(2)
    assert page.js_errors == []
