"""A learner uploads a repository in Chromium and watches the status page turn into the scorecard."""

import pytest
from playwright.sync_api import expect

from tests.archives import zip_folder
from tests.conftest import screenshot
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.process, pytest.mark.sandbox, pytest.mark.django_db(transaction=True)]


def test_upload_and_watch_the_scorecard_appear(browser, site_stack, tmp_path):
    stack = site_stack()
    stack.start("web")
    stack.start("worker")
    archive = tmp_path / "my-service.zip"
    archive.write_bytes(zip_folder())
    context = browser.new_context(base_url=stack.url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))

    page.goto("/accounts/sign-up/")
    page.get_by_label("Username").fill("grace")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    page.goto("/courses/twelve-factor/labs/audit/")
    page.get_by_label("Upload your repository").set_input_files(str(archive))
    page.get_by_role("button", name="Submit for grading").click()

    expect(page.get_by_role("heading", level=1)).to_contain_text("your submission")
    page.evaluate("window.__same_page = true")
    expect(page.locator(".score")).to_have_text("100", timeout=120_000)
    assert page.evaluate("window.__same_page") is True  # updated in place by htmx polling, not reloaded
    expect(page.get_by_role("heading", name="7. Port binding")).to_be_visible()
    screenshot(page, "lab-scorecard")
    assert errors == []
    context.close()
