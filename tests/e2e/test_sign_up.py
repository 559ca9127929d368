"""Signing up in Chromium: a welcome that says where to start."""

import pytest
from playwright.sync_api import expect

from courses.models import Lesson
from tests.factories import PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_up(page) -> None:
    page.goto("/accounts/sign-up/")
    page.get_by_label("Username").fill("ada")
    page.get_by_label("Your name").fill("Ada Lovelace")
    page.get_by_label("Password", exact=True).fill(PASSWORD)
    page.get_by_label("Password confirmation").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()


def test_a_new_account_is_welcomed_with_the_first_lesson(page, course_content):
    first = Lesson.objects.published().order_by("course__order", "order").first()

    sign_up(page)

    welcome = page.locator(".messages")
    expect(welcome).to_contain_text("Welcome, Ada Lovelace.")
    welcome.get_by_role("link", name=first.title).click()
    assert page.url.endswith(first.get_absolute_url())
    expect(page.locator(".messages")).to_have_count(0)  # said once


def test_the_welcome_points_to_the_lesson_read_before_signing_up(page, course_content):
    config = Lesson.objects.get(slug="config")
    page.goto(config.get_absolute_url())

    sign_up(page)

    expect(page.locator(".messages").get_by_role("link", name=config.title)).to_be_visible()
