"""A learner takes the factor III quiz with the keyboard only: every question type, the ordering question with the
move buttons, feedback after each answer, then the results page."""

import pytest
from playwright.sync_api import expect

from quizzes.models import Attempt, Quiz
from quizzes.tokens import token
from tests.conftest import ARTIFACTS, screenshot
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

FOCUSED = "(selector) => !!document.activeElement && document.activeElement.matches(selector)"


def tabs_to(page, selector: str, limit: int = 80) -> int:
    """Press Tab until the selector has focus; return how many presses it took."""
    for presses in range(limit):
        if page.evaluate(FOCUSED, selector):
            return presses
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {selector}")


def tab_to(page, selector: str, limit: int = 80) -> None:
    tabs_to(page, selector, limit)


def choose_with_arrows(page, group: str, value: str, limit: int = 12) -> None:
    """Radios and selects: focus the control, then arrow down until the wanted value is chosen."""
    tab_to(page, group)
    for _ in range(limit):
        if page.evaluate("() => document.activeElement.value") == value:
            if page.evaluate("() => document.activeElement.type === 'radio' && !document.activeElement.checked"):
                page.keyboard.press("Space")  # Tab focuses a radio group's first option without choosing it
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"{value} not reached in {group}")


def answer_with_keyboard(page, attempt: Attempt, item) -> None:
    version = item.version
    definition = version.definition
    section = f"#question-{item.position}"
    kind = version.type
    if kind == "single":
        right = next(i for i, o in enumerate(definition["options"]) if o["correct"])
        choose_with_arrows(page, f"{section} input[name$=-answer]", token(attempt, version, "option", right))
    elif kind == "multiple":
        for i, option in enumerate(definition["options"]):
            if option["correct"]:
                tab_to(page, f'{section} input[value="{token(attempt, version, "option", i)}"]')
                page.keyboard.press("Space")
    elif kind == "true_false":
        choose_with_arrows(page, f"{section} input[name$=-answer]", "true" if definition["answer"] else "false")
    elif kind == "spot":
        # The snippet is one Tab stop; arrow keys move between its lines and Space selects one.
        tab_to(page, f"{section} .spot-code input")
        lines = page.locator(f"{section} .spot-code input")
        assert lines.evaluate_all("boxes => boxes.filter(box => box.tabIndex === 0).length") == 1
        here = int(page.evaluate("() => document.activeElement.value"))
        for line in definition["violations"]:
            key = "ArrowDown" if line > here else "ArrowUp"
            for _ in range(abs(line - here)):
                page.keyboard.press(key)
            here = line
            assert page.evaluate(FOCUSED, f'{section} input[value="{line}"]')
            page.keyboard.press("Space")
        presses = tabs_to(page, f"{section} button[type=submit]")
        assert presses <= 2, f"{presses} Tabs from the snippet to Check answer"
    elif kind == "matching":
        for i in range(len(definition["pairs"])):
            choose_with_arrows(
                page,
                f'{section} select[name$="-match-{token(attempt, version, "left", i)}"]',
                token(attempt, version, "right", i),
            )
    elif kind == "ordering":
        items = definition["items"]
        # Move each step up into place with its "Move up" button, first step first.
        for target, text in enumerate(items):
            shown = page.locator(f"{section} .ordering-text").all_inner_texts()
            moves = [s.strip() for s in shown].index(text.strip()) - target
            if moves:
                tab_to(page, f"{section} .ordering-item:nth-child({target + moves + 1}) .move-up")
                for _ in range(moves):
                    page.keyboard.press("Enter")
        expect(page.locator(f"{section} .ordering-text")).to_have_text(items)
    elif kind in {"short_text", "number"}:
        tab_to(page, f"{section} input[name$=-answer]")
        page.keyboard.type(str(definition["accepted"][0] if kind == "short_text" else definition["answer"]))
    tab_to(page, f"{section} button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(f"{section} .outcome-title")).to_contain_text("Correct")


def test_take_the_config_quiz_with_the_keyboard_only(signed_in_page, course_content):
    UserFactory(username="kim")
    page = signed_in_page("kim")

    page.goto("/courses/twelve-factor/quizzes/config/")
    expect(page.locator("h1")).to_have_count(1)
    tab_to(page, ".quiz-start button[type=submit]")
    page.keyboard.press("Enter")
    expect(page.locator(".quiz-progress-count")).to_contain_text("0 of")

    quiz = Quiz.objects.get(course__slug="twelve-factor", slug="config")
    attempt = Attempt.objects.get(quiz=quiz, user__username="kim")
    items = list(attempt.items.select_related("version").order_by("position"))
    assert "ordering" in {item.version.type for item in items}
    for item in items:
        expect(page.locator(f"#question-{item.position} h2")).to_contain_text(f"Question {item.position}")
        if item.version.type == "ordering":
            screenshot(page, "quiz-ordering-before-light")
        answer_with_keyboard(page, attempt, item)
        if item.version.type == "ordering":
            screenshot(page, "quiz-ordering-answered-light")
        if item.position == 1:
            page.emulate_media(color_scheme="dark")
            screenshot(page, "quiz-question-answered-dark")
            page.emulate_media(color_scheme="light")
        if item.version.type == "spot":
            screenshot(page, "quiz-spot-answered-light")
        if item.position < len(items):
            tab_to(page, ".next-link")
            page.keyboard.press("Enter")
    expect(page.locator(".quiz-progress-count")).to_contain_text(f"{len(items)} of {len(items)} answered")

    tab_to(page, "#submit-attempt button")
    page.keyboard.press("Enter")
    expect(page.locator("h1")).to_have_text("Your results")
    expect(page.locator(".result-number")).to_have_text("100%")
    expect(page.locator(".result-verdict")).to_have_text("Passed")
    screenshot(page, "quiz-results-light")
    page.emulate_media(color_scheme="dark")
    page.evaluate("document.documentElement.dataset.theme = 'dark'")
    screenshot(page, "quiz-results-dark")
    page.screenshot(path=str(ARTIFACTS / "quiz-results-dark-top.png"))
    page.goto("/courses/twelve-factor/quizzes/config/")
    screenshot(page, "quiz-intro-dark")
    assert page.js_errors == []
