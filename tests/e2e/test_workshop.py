"""Browser journey: an instructor opens a cohort, a learner joins with the code in another browser, and the
instructor's live grid shows the learner's progress without a reload; pacing unlocks reach the learner live."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, screenshot
from tests.e2e.conftest import log_in
from tests.e2e.test_phone_layout import DESKTOP, build_site
from tests.factories import PASSWORD, InstructorFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def instructor(course_content) -> User:
    return InstructorFactory(username="grace", password=PASSWORD)


def test_cohort_join_live_grid_and_pacing(page, open_context, instructor):
    log_in(page, "grace")
    page.goto("/workshops/new/")
    page.get_by_label("Name").fill("Friday workshop")
    page.get_by_label("Starts on").fill("2026-11-27")
    page.get_by_label("Ends on").fill("2026-11-28")
    page.get_by_label("Seats").fill("30")
    page.get_by_role("button", name="Create cohort").click()
    expect(page.locator("h1")).to_have_text("Friday workshop")
    code = page.get_by_test_id("join-code").inner_text()
    assert len(code) >= 10

    page.get_by_role("link", name="Pacing").click()
    page.get_by_role("button", name="Lock lesson III. Config", exact=True).click()
    expect(page.get_by_role("button", name="Unlock lesson III. Config", exact=True)).to_be_visible()
    screenshot(page, "workshop-pacing")
    page.get_by_role("link", name="Projector").click()
    expect(page.locator("svg.qr-code")).to_be_visible()
    screenshot(page, "workshop-projector")

    learner_context = open_context(None)
    learner = learner_context.new_page()
    learner.goto("/workshops/join/")
    learner.get_by_label("Join code").fill(code.lower())
    learner.get_by_role("button", name="Continue").click()
    expect(learner.locator("h1")).to_have_text("Join Friday workshop")
    learner.get_by_label("Username").fill("lin")
    learner.get_by_label("Password", exact=True).fill(PASSWORD)
    learner.get_by_label("Password confirmation").fill(PASSWORD)
    learner.get_by_role("button", name="Sign up and join").click()
    expect(learner.get_by_text("You joined Friday workshop")).to_be_visible()
    locked = learner.locator(".syllabus-item.is-locked")
    expect(locked).to_have_count(1)
    expect(locked).to_contain_text("Locked")
    screenshot(learner, "workshop-syllabus-locked")

    page.get_by_role("link", name="Live dashboard").click()
    expect(page.locator("#grid")).to_contain_text("lin")
    page.evaluate("window.stillTheSamePage = true")

    learner.get_by_role("link", name="I. Codebase", exact=True).click()
    learner.get_by_role("button", name="Mark as done").click()
    expect(learner.get_by_text("You have finished this lesson.")).to_be_visible()

    row = page.locator("#grid tbody tr", has_text="lin")
    expect(row.locator("td.cell-done")).to_have_count(1, timeout=10_000)
    expect(row.locator("td.grid-count")).to_have_text("1")
    assert page.evaluate("window.stillTheSamePage") is True  # updated by htmx, not a reload
    screenshot(page, "workshop-dashboard-light")

    # Unlocking reaches the learner's open syllabus without a reload.
    learner.goto("/courses/twelve-factor/")
    expect(learner.locator(".syllabus-item.is-locked")).to_have_count(1)
    learner.evaluate("window.stillTheSamePage = true")
    page.get_by_role("link", name="Pacing").click()
    page.get_by_role("button", name="Unlock lesson III. Config", exact=True).click()
    expect(learner.locator(".syllabus-item.is-locked")).to_have_count(0, timeout=10_000)
    expect(learner.get_by_role("link", name="III. Config", exact=True)).to_be_visible()
    assert learner.evaluate("window.stillTheSamePage") is True

    page.get_by_role("link", name="Live dashboard").click()
    page.get_by_role("button", name="Dark theme").click()
    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    screenshot(page, "workshop-dashboard-dark")
    page.get_by_role("link", name="Analytics").click()
    expect(page.locator("h1")).to_have_text("Analytics")
    screenshot(page, "workshop-analytics-dark")
    assert page.js_errors == []


def test_dashboard_grid_fits_a_1366_px_screen_without_scrolling(open_context, course_content):
    """Every lesson, quiz and lab column of the live grid fits a laptop screen beside the learners' names."""
    site = build_site(course_content)
    path = next(path for name, _, path in site.pages if name == "cohort-dashboard")
    page = open_context("grace", viewport=DESKTOP).new_page()
    page.goto(path)

    grid = page.locator(".table-scroll").first
    widths = grid.evaluate("box => [box.scrollWidth, box.clientWidth]")
    page.screenshot(path=str(ARTIFACTS / "dashboard-1366.png"), full_page=True)

    assert widths[0] <= widths[1], f"the grid is {widths[0]} px wide in a {widths[1]} px box"
