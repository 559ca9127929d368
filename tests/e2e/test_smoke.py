"""Browser smoke test: the home page, sign-up, log-in and the theme toggle in Debian's Chromium."""

import pytest
from playwright.sync_api import expect

from tests.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_home_sign_up_log_in_and_dark_mode(page, course_content):
    page.goto("/")
    expect(page.locator("h1")).to_have_count(1)
    expect(page.get_by_role("link", name="Start the course")).to_be_visible()
    screenshot(page, "home-light")

    page.get_by_role("link", name="Sign up").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    expect(page.locator(".nav-user")).to_contain_text("ada")

    page.get_by_role("button", name="Log out").click()
    page.get_by_role("link", name="Log in").click()
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.locator(".nav-user")).to_contain_text("ada")

    html = page.locator("html")
    expect(html).to_have_attribute("data-theme", "light")
    background_light = page.evaluate("getComputedStyle(document.body).backgroundColor")
    page.get_by_role("button", name="Dark theme").click()
    expect(html).to_have_attribute("data-theme", "dark")
    assert page.evaluate("getComputedStyle(document.body).backgroundColor") != background_light
    page.reload()
    expect(html).to_have_attribute("data-theme", "dark")  # the choice persists
    screenshot(page, "home-dark")
    assert page.js_errors == []


def test_theme_follows_the_system_setting_until_toggled(browser, live_server):
    context = browser.new_context(base_url=live_server.url, color_scheme="dark")
    page = context.new_page()
    page.goto("/")

    expect(page.locator("html")).to_have_attribute("data-theme", "dark")
    expect(page.get_by_role("button", name="Light theme")).to_have_attribute("aria-pressed", "true")
    context.close()
