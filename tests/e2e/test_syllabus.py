"""The syllabus in Chromium: each lesson lists its quiz, and the labs follow the factors."""

import pytest
from playwright.sync_api import expect

from courses.models import Lesson
from quizzes.models import Quiz

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_syllabus_lists_each_lessons_quiz(page, course_content):
    page.goto("/courses/twelve-factor/")

    config = page.locator(".syllabus-item", has=page.get_by_role("link", name=Lesson.objects.get(slug="config").title))
    quiz = Quiz.objects.get(slug="config")
    config.get_by_role("link", name=f"Quiz: {quiz.title}").click()

    assert page.url.endswith(quiz.get_absolute_url())
    quiz_count = Quiz.objects.published().filter(lesson__isnull=False).count()
    page.go_back()
    expect(page.locator(".syllabus-quiz a")).to_have_count(quiz_count)


def test_syllabus_lists_labs_in_factor_order(page, course_content):
    page.goto("/courses/twelve-factor/")

    titles = page.locator("h2:text('Labs') + ol h3").all_inner_texts()

    assert titles[:3] == ["Dependencies, declared", "Config in the environment", "Build, release, run"]
    assert titles[-2:] == ["Audit: all twelve factors", "Capstone: your own twelve-factor service"]
