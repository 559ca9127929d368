"""Lessons in Chromium: diagrams render as SVG in both themes; "mark as done" updates in place."""

import pytest
from playwright.sync_api import expect

from tests.conftest import ARTIFACTS, screenshot

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_diagrams_render_as_svg_in_light_and_dark(page, course_content):
    page.goto("/courses/twelve-factor/history/")

    figures = page.locator("figure.diagram")
    expect(figures).to_have_count(2)
    expect(page.locator("html")).to_have_attribute("data-diagrams-theme", "default")
    expect(figures.locator("svg")).to_have_count(2)
    label = figures.first.locator("svg").get_attribute("aria-label")
    assert label and label == figures.first.get_attribute("data-alt")
    light_fill = figures.first.locator("svg").evaluate(
        "svg => getComputedStyle(svg.querySelector('text, span, p') || svg).color"
    )
    screenshot(page, "lesson-history-light")
    figures.first.screenshot(path=str(ARTIFACTS / "diagram-history-light.png"))

    page.get_by_role("button", name="Dark theme").click()

    expect(page.locator("html")).to_have_attribute("data-diagrams-theme", "dark")
    expect(figures.locator("svg")).to_have_count(2)
    dark_fill = figures.first.locator("svg").evaluate(
        "svg => getComputedStyle(svg.querySelector('text, span, p') || svg).color"
    )
    assert dark_fill != light_fill  # re-drawn in the dark theme's colours
    screenshot(page, "lesson-history-dark")
    figures.first.screenshot(path=str(ARTIFACTS / "diagram-history-dark.png"))
    assert page.js_errors == []


def test_mark_as_done_updates_in_place_with_the_keyboard(page, course_content):
    page.goto("/courses/twelve-factor/config/")
    page.evaluate("window.__marker = 'same page'")

    button = page.get_by_role("button", name="Mark as done")
    button.focus()
    page.keyboard.press("Enter")

    expect(page.get_by_text("You have finished this lesson.")).to_be_visible()
    assert page.evaluate("window.__marker") == "same page"  # swapped by htmx, no reload
    page.goto("/courses/twelve-factor/")
    expect(page.get_by_text("1 of 14 lessons done")).to_be_visible()
    assert page.js_errors == []


def test_every_diagram_of_every_lesson_renders(page, course_content):
    from courses.models import Lesson

    for lesson in Lesson.objects.published().filter(has_diagram=True).order_by("order"):
        page.goto(lesson.get_absolute_url())
        expect(page.locator("html")).to_have_attribute("data-diagrams-theme", "default")
        figures = page.locator("figure.diagram").count()
        assert figures >= 1
        assert page.locator("figure.diagram svg[role=img]").count() == figures, lesson.slug
        assert page.locator("figure.diagram .error-icon, figure.diagram svg[aria-roledescription=error]").count() == 0
    assert page.js_errors == []


def test_home_offers_the_lesson_after_the_one_just_finished(page, course_content):
    from courses.models import Lesson

    config = Lesson.objects.get(slug="config")
    following = Lesson.objects.published().filter(course=config.course, order__gt=config.order).order_by("order")[0]
    page.goto(config.get_absolute_url())
    page.get_by_role("button", name="Mark as done").click()
    expect(page.get_by_text("You have finished this lesson.")).to_be_visible()

    page.goto("/")

    offer = page.locator(".continue-card")
    expect(offer.get_by_role("heading")).to_have_text(f"Next up: {following.title}")
    offer.get_by_role("link").click()
    assert page.url.endswith(following.get_absolute_url())
