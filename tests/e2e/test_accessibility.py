"""axe-core on every page type, in the light and the dark theme: no serious or critical violation.

axe-core comes bundled in axe-playwright-python (pinned in requirements.lock with its hash); it is evaluated in the
test's browser only and never served to users. The theme follows the browser's colour scheme when the reader has
not chosen one (static/js/theme.js), so each theme is a context with that colour scheme."""

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests.e2e.test_phone_layout import DESKTOP, PHONE, Site, build_site

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BLOCKING = {"serious", "critical"}
AXE = Axe()


@pytest.fixture
def site(course_content) -> Site:
    return build_site(course_content)


def open_page(context, path: str, *, theme: str):
    page = context.new_page()
    page.goto(path)
    expect(page.locator("html")).to_have_attribute("data-theme", theme)
    if page.locator("figure.diagram").count():  # diagrams are drawn after load, in the theme's colours
        expect(page.locator("html")).to_have_attribute("data-diagrams-theme", "dark" if theme == "dark" else "default")
        expect(page.locator("figure.diagram svg")).to_have_count(page.locator("figure.diagram").count())
    return page


def blocking_violations(page) -> list[str]:
    results = AXE.run(page).response
    found = []
    for violation in results["violations"]:
        if violation["impact"] not in BLOCKING:
            continue
        targets = [" ".join(map(str, node["target"])) for node in violation["nodes"][:3]]
        found.append(f"{violation['id']} ({violation['impact']}, {len(violation['nodes'])}×): {targets}")
    return found


@pytest.mark.timeout(900)  # some sixty pages, each checked against every axe rule
@pytest.mark.parametrize("theme", ["light", "dark"])
@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["1366px", "390px"])
def test_every_page_has_no_serious_accessibility_violation(open_context, site, theme, viewport):
    by_user = {}
    problems = []
    for name, username, path in site.pages:
        if username not in by_user:
            by_user[username] = open_context(username, viewport=viewport, color_scheme=theme)
        page = open_page(by_user[username], path, theme=theme)
        problems += [f"{name} ({path}): {each}" for each in blocking_violations(page)]
        page.close()

    assert problems == [], f"axe-core, {theme} theme:\n" + "\n".join(problems)


def test_the_checker_reports_a_violation_it_should(open_context, site):
    """The check itself can fail: an image button with no name and grey-on-white text are serious violations."""
    page = open_page(open_context(None, viewport=DESKTOP, color_scheme="light"), "/", theme="light")
    page.evaluate(
        """() => {
          const main = document.querySelector('main');
          main.insertAdjacentHTML('beforeend', '<button type="button"><svg width="10" height="10"></svg></button>'
            + '<p style="color:#bbb;background:#fff">faint text</p>');
        }"""
    )

    found = " ".join(blocking_violations(page))

    assert "button-name" in found
    assert "color-contrast" in found
