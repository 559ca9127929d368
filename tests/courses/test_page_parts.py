"""Quizzes and labs add their parts to the course pages through courses.page_parts; what is the same for every reader
(which quiz a lesson has, the course's labs, the final quiz) is built once per release, not per request."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

pytestmark = pytest.mark.django_db

SYLLABUS_URL = "/courses/twelve-factor/"
LESSON_URL = "/courses/twelve-factor/config/"


def quiz_and_lab_queries(client, url: str) -> tuple[str, list[str]]:
    with CaptureQueriesContext(connection) as queries:
        html = client.get(url).content.decode()
    return html, [q["sql"] for q in queries.captured_queries if re.search(r"\b\"?(quizzes|labs)_", q["sql"])]


def test_the_syllabus_shows_the_quizzes_and_labs_parts_built_once_per_release(client):
    client.get(SYLLABUS_URL)

    html, queries = quiz_and_lab_queries(client, SYLLABUS_URL)

    assert "Quiz: " in html and "Final check" in html and "<h2>Labs</h2>" in html
    assert queries == []  # an anonymous reader has no scores to look up, and the content parts are memoised


def test_the_lesson_page_shows_its_quiz_part_built_once_per_release(client):
    client.get(LESSON_URL)

    html, queries = quiz_and_lab_queries(client, LESSON_URL)

    assert "Check yourself: take the quiz" in html
    assert queries == []
