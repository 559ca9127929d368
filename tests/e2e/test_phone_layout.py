"""Every page type fits a phone: no horizontal scroll at 390 and 320 px (wide tables scroll inside their own box),
a compact header that does not follow the reader down the page, and the reading order a phone needs.

Screenshots of every page at 390 and 1366 px go to test-artifacts/layout/ for a person to look at."""

from dataclasses import dataclass
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from courses.models import Lesson
from labs.grading.checks import REGISTRY
from labs.models import Lab, Submission
from quizzes import services as quiz_services
from quizzes.models import Quiz
from teams import services as team_services
from teams.models import Assessment, Certificate
from tests.conftest import ARTIFACTS
from tests.factories import PASSWORD, InstructorFactory, ScorecardFactory, SubmissionFactory, UserFactory
from tests.teams.conftest import correct_response, wrong_response
from workshops import services as workshop_services

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}
SMALL_PHONE = {"width": 320, "height": 640}
DESKTOP = {"width": 1366, "height": 900}
SHOTS = ARTIFACTS / "layout"

# The outermost elements sticking out past the right edge (outside any box that scrolls), to say what overflows.
OVERFLOW = """() => {
  const width = window.innerWidth;
  const over = (el) => el.getBoundingClientRect().right > width + 1;
  const inScroller = (el) => {
    for (let p = el.parentElement; p; p = p.parentElement) if (getComputedStyle(p).overflowX !== 'visible') return true;
    return false;
  };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (typeof el.className === 'string' && el.className ? '.' + el.className.trim().split(/\\s+/).join('.') : '');
  const culprits = [...document.body.querySelectorAll('*')]
    .filter((el) => el.getBoundingClientRect().width && over(el) && !over(el.parentElement) && !inScroller(el))
    .map((el) => name(el) + ' → ' + Math.round(el.getBoundingClientRect().right));
  return {scrollWidth: document.documentElement.scrollWidth, innerWidth: width, culprits: culprits.slice(0, 4)};
}"""


@dataclass
class Site:
    pages: list[tuple[str, str | None, str]]  # (name, username or None for anonymous, path)
    attempt_path: str


def scorecard_checks() -> list[dict]:
    """One check per registered check, in every status, with evidence as long and unbroken as real output gets."""
    statuses = ["pass", "fail", "warn", "error", "skip"]
    checks = []
    for number, spec in enumerate(REGISTRY.values()):
        status = statuses[number % len(statuses)]
        evidence = (
            "config/settings.py:12 SECRET_KEY='django-insecure-0123456789abcdefghij'"  # pragma: allowlist secret
            if number % 3 == 0
            else "GET http://127.0.0.1:5173/healthz answered 503 after 2.4 s; stderr: ModuleNotFoundError"
        )
        checks.append(
            {
                "id": spec.id,
                "factor": spec.factor,
                "status": status,
                "points": 10 if status == "pass" else 5 if status == "warn" else 0,
                "max_points": 10,
                "evidence": evidence,
                "hint": spec.hint,
            }
        )
    return checks


def answer_all(attempt, *, right: bool = True) -> None:
    for item in attempt.items.select_related("version"):
        response = correct_response(item.version) if right else wrong_response(item.version)
        quiz_services.answer_save(attempt=attempt, item=item, given={}, response=response)


def build_site(course) -> Site:
    """A learner (ada) in a cohort and a team, with a finished and an open quiz attempt, a graded lab and a
    certificate; an instructor and team admin (grace); a second hire (linus) halfway through the assessment."""
    ada = UserFactory(username="ada", email="ada@example.com", password=PASSWORD)
    grace = InstructorFactory(username="grace", email="grace@example.com", password=PASSWORD)
    linus = UserFactory(username="linus", email="linus@example.com", password=PASSWORD)

    today = timezone.localdate()
    cohort = workshop_services.cohort_create(
        instructor=grace, course=course, name="Friday workshop", starts_on=today, ends_on=today, seat_cap=30
    )
    for learner in (ada, linus):
        workshop_services.cohort_join(cohort=cohort, user=learner)
    workshop_services.lock_set(cohort=cohort, kind="lesson", slug="summary", locked=True)

    config_quiz = Quiz.objects.get(course=course, slug="config")
    finished = quiz_services.attempt_start(user=ada, quiz=config_quiz)
    answer_all(finished)
    quiz_services.attempt_submit(attempt=finished)
    other = quiz_services.attempt_start(user=linus, quiz=config_quiz)
    answer_all(other, right=False)
    quiz_services.attempt_submit(attempt=other)
    in_progress = quiz_services.attempt_start(user=ada, quiz=config_quiz)

    lab = Lab.objects.get(course=course, slug="audit")
    submission = SubmissionFactory(
        lab=lab, user=ada, status=Submission.Status.FAILED, original_name="my-twelve-factor-service-final-v2.zip"
    )
    ScorecardFactory(submission=submission, score=61, passed=False, checks=scorecard_checks())

    organisation = team_services.organisation_create(name="Acme Onboarding", admin=grace)
    for learner in (ada, linus):
        team_services.membership_add(organisation=organisation, user=learner)
    assessment = team_services.assessment_create(
        organisation=organisation,
        created_by=grace,
        title="Week one: the twelve factors",
        deadline=timezone.now() + timedelta(days=7),
        pass_mark=70,
        attempts_allowed=2,
        time_limit_minutes=30,
        feedback=Assessment.Feedback.AFTER_SUBMIT,
        quizzes=[(Quiz.objects.get(course=course, slug="final"), 1)],
    )
    part = assessment.parts.get()
    ada_assignment = team_services.assignment_create(assessment=assessment, user=ada)
    attempt = team_services.assessment_attempt_start(assignment=ada_assignment, part=part)
    answer_all(attempt)
    team_services.assessment_attempt_submit(assignment=ada_assignment, attempt=attempt)
    certificate = Certificate.objects.get(user=ada)
    linus_assignment = team_services.assignment_create(assessment=assessment, user=linus)
    linus_attempt = team_services.assessment_attempt_start(assignment=linus_assignment, part=part)

    attempt_url = reverse("quizzes:attempt", args=[course.slug, config_quiz.slug, in_progress.number])
    cohort_id, assessment_id = cohort.public_id, assessment.public_id
    pages = [
        ("home", None, "/"),
        ("sign-up", None, reverse("sign_up")),
        ("log-in", None, reverse("login")),
        ("courses", None, reverse("courses:list")),
        ("glossary", None, reverse("courses:glossary")),
        ("search", None, reverse("courses:search") + "?q=config"),
        ("verify", None, reverse("teams:verify", args=[certificate.code])),
        ("home-signed-in", "ada", "/"),
        ("profile", "ada", reverse("profile")),
        ("syllabus", "ada", course.get_absolute_url()),
    ]
    lessons = Lesson.objects.published().filter(course=course).order_by("order")
    pages += [(f"lesson-{lesson.slug}", "ada", lesson.get_absolute_url()) for lesson in lessons]
    pages += [
        ("quiz", "ada", config_quiz.get_absolute_url()),
        *[
            (f"quiz-attempt-q{item.position}-{item.version.type}", "ada", f"{attempt_url}?q={item.position}")
            for item in in_progress.items.select_related("version").order_by("position")
        ],
        (
            "quiz-results",
            "ada",
            reverse("quizzes:attempt_results", args=[course.slug, config_quiz.slug, finished.number]),
        ),
        *[(f"lab-{each.slug}", "ada", each.get_absolute_url()) for each in Lab.objects.filter(course=course)],
        ("lab-scorecard", "ada", submission.get_absolute_url()),
        ("lab-submissions", "ada", reverse("labs:submissions")),
        ("assignments", "ada", reverse("teams:assignments")),
        ("assignment-passed", "ada", reverse("teams:assignment", args=[ada_assignment.public_id])),
        ("certificates", "ada", reverse("teams:certificates")),
        ("certificate", "ada", reverse("teams:certificate", args=[certificate.public_id])),
        (
            "assessment-attempt",
            "linus",
            reverse("teams:attempt", args=[linus_assignment.public_id, part.pk, linus_attempt.number]),
        ),
        ("cohort-list", "grace", reverse("workshops:list")),
        ("cohort-new", "grace", reverse("workshops:create")),
        ("cohort-dashboard", "grace", reverse("workshops:dashboard", args=[cohort_id])),
        ("cohort-pacing", "grace", reverse("workshops:pacing", args=[cohort_id])),
        ("cohort-projector", "grace", reverse("workshops:projector", args=[cohort_id])),
        ("cohort-analytics", "grace", reverse("workshops:analytics", args=[cohort_id])),
        ("organisations", "grace", reverse("teams:organisations")),
        ("organisation", "grace", reverse("teams:organisation", args=[organisation.public_id])),
        ("assessment-new", "grace", reverse("teams:assessment_create", args=[organisation.public_id])),
        ("assessment-report", "grace", reverse("teams:assessment", args=[assessment_id])),
    ]
    return Site(pages=pages, attempt_path=f"{attempt_url}?q=1")


@pytest.fixture
def site(course_content) -> Site:
    return build_site(course_content)


def open_page(context, path: str):
    page = context.new_page()
    page.goto(path)
    if page.locator("figure.diagram").count():  # diagrams are drawn after load; measure the drawn page
        expect(page.locator("html")).to_have_attribute("data-diagrams-theme", "default")
        expect(page.locator("figure.diagram svg")).to_have_count(page.locator("figure.diagram").count())
    return page


def overflowing_pages(open_context, site: Site, viewport: dict, *, shots: bool) -> list[str]:
    by_user = {}
    problems = []
    for name, username, path in site.pages:
        if username not in by_user:
            by_user[username] = open_context(username, viewport=viewport)
        page = open_page(by_user[username], path)
        assert page.locator("h1").count() == 1, f"{name}: {page.url} has no single h1"
        measured = page.evaluate(OVERFLOW)
        if measured["scrollWidth"] > measured["innerWidth"]:
            problems.append(f"{name} ({path}): {measured['scrollWidth']} px wide; {measured['culprits']}")
        if shots:
            SHOTS.mkdir(parents=True, exist_ok=True)
            page.screenshot(path=str(SHOTS / f"{name}-{viewport['width']}.png"), full_page=True)
        page.close()
    return problems


@pytest.mark.parametrize("viewport", [PHONE, SMALL_PHONE, DESKTOP], ids=["390px", "320px", "1366px"])
def test_every_page_fits_without_horizontal_scroll(open_context, site, viewport):
    problems = overflowing_pages(open_context, site, viewport, shots=viewport is not SMALL_PHONE)

    assert problems == [], f"pages wider than {viewport['width']} px:\n" + "\n".join(problems)


def test_phone_header_is_compact_with_a_menu_and_scrolls_away(open_context, site):
    page = open_page(open_context("grace", viewport=PHONE), "/courses/twelve-factor/config/")
    header = page.locator(".site-header")

    assert header.bounding_box()["height"] <= 64
    links = page.get_by_role("link", name="Workshops")
    expect(links).to_be_hidden()
    menu = page.get_by_text("Menu", exact=True)
    menu.focus()
    page.keyboard.press("Enter")  # a keyboard opens it
    expect(links).to_be_visible()
    expect(page.get_by_role("link", name="Your profile")).to_be_visible()
    page.keyboard.press("Enter")
    expect(links).to_be_hidden()

    page.evaluate("window.scrollTo(0, 3000)")
    assert header.bounding_box()["y"] + header.bounding_box()["height"] <= 0  # scrolled away with the page

    desktop = open_page(open_context("grace", viewport=DESKTOP), "/courses/twelve-factor/config/")
    expect(desktop.get_by_role("link", name="Workshops")).to_be_visible()
    expect(desktop.get_by_text("Menu", exact=True)).to_be_hidden()


def test_phone_reading_order_title_before_contents_and_submit_after_questions(open_context, site):
    context = open_context("ada", viewport=PHONE)
    lesson = open_page(context, "/courses/twelve-factor/config/")
    assert lesson.locator("h1").bounding_box()["y"] < lesson.locator(".lesson-toc").bounding_box()["y"]

    attempt = open_page(context, site.attempt_path)
    question = attempt.locator(".question").last.bounding_box()
    submit = attempt.get_by_role("button", name="Submit attempt").bounding_box()
    assert submit["y"] > question["y"] + question["height"]
    progress = attempt.locator("#quiz-progress").bounding_box()
    assert progress["y"] < question["y"]  # how far along stays at the top
