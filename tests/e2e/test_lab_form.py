"""A refused lab submission in Chromium: the page says why, keeps what was typed, and a reload posts nothing."""

import pytest
from playwright.sync_api import expect

from labs.models import Submission
from tests.e2e.conftest import log_in
from tests.factories import PASSWORD, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

LAB = "/courses/twelve-factor/labs/audit/"


def sign_in(page) -> None:
    UserFactory(username="ada", password=PASSWORD)
    log_in(page, "ada")


def test_a_refused_submission_redirects_back_and_a_reload_does_not_post_again(page, course_content):
    sign_in(page)
    page.goto(LAB)
    posts = []
    page.on("request", lambda request: request.method == "POST" and posts.append(request.url))
    page.get_by_label("or a public git URL").fill("http://example.com/not-https.git")
    page.get_by_role("button", name="Submit for grading").click()

    expect(page.locator(".lab-submit .form-errors")).to_contain_text("https")
    assert page.url.split("#")[0].endswith(LAB)  # not …/submit/
    expect(page.get_by_label("or a public git URL")).to_have_value("http://example.com/not-https.git")
    page.reload()

    assert len(posts) == 1
    expect(page.get_by_label("or a public git URL")).to_have_value("")
    assert not Submission.objects.exists()


def test_the_lab_form_says_one_of_its_two_fields_is_needed(page, course_content):
    sign_in(page)
    page.goto(LAB)

    form = page.locator(".lab-submit")
    expect(form.get_by_text("(optional)")).to_have_count(0)
    expect(form.get_by_text("Give one of the two: an archive or a git URL.")).to_be_visible()
