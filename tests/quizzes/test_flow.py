"""The shared answer flow: one question's fields out of the whole attempt's form, and a plain submit that saves
every answer the form carries."""

import dataclasses

import pytest
from django.http import QueryDict

from quizzes import services
from quizzes.flow import AnswerFlow, answers_save_posted, progress_steps, question_fields
from quizzes.models import Answer, Attempt
from tests.quizzes.conftest import answer_data, every_type_quiz

pytestmark = pytest.mark.django_db


def prefixed(position: int, data: dict) -> dict:
    return {f"q{position}-{key}": value for key, value in data.items()}


def as_query(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def test_question_fields_keeps_its_own_and_bare_fields_and_drops_the_others():
    data = as_query({"q3-answer": ["a", "b"], "q13-answer": "x", "q1-line": "2", "then": "next"})
    fields = question_fields(data, 3)
    assert fields.getlist("answer") == ["a", "b"] and fields["then"] == "next"
    assert "line" not in fields and len(fields) == 2
    assert question_fields(data, 13).getlist("answer") == ["x"]


def test_progress_steps_link_each_question_and_mark_the_answered_and_current_ones():
    # The markup the `progress` partial's template loop produced, byte for byte (the page's CSS and tests read it).
    flow = AnswerFlow(
        attempt=Attempt(),
        quiz=None,  # type: ignore[arg-type]
        template="",
        page_url='/attempts/1/?from="x"&y',
        submit_url="",
        closed_url="",
        answer_url=str,
        reveal_as_you_go=False,
        one_at_a_time=True,
    )
    assert progress_steps(flow, [(1, True), (2, False)], 2) == (
        '\n      <li><a href="/attempts/1/?from=&quot;x&quot;&amp;y?q=1" class="quiz-step is-answered">'
        '\n        <span class="visually-hidden">Question </span>1<span class="visually-hidden">, answered</span>'
        "\n      </a></li>\n    "
        '\n      <li><a href="/attempts/1/?from=&quot;x&quot;&amp;y?q=2" class="quiz-step" aria-current="step">'
        '\n        <span class="visually-hidden">Question </span>2<span class="visually-hidden">, not answered</span>'
        "\n      </a></li>\n    "
    )
    all_at_once = progress_steps(dataclasses.replace(flow, one_at_a_time=False), [(1, False)], 1)
    assert '<a href="#question-1" class="quiz-step">' in all_at_once and "aria-current" not in all_at_once


def test_a_plain_submit_saves_every_question_and_scores_them(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir, feedback="after_submit", display="all")
    start = signed_in.post(quiz.get_absolute_url() + "start/")
    attempt = Attempt.objects.get(quiz=quiz, submitted_at__isnull=True)
    form = {}
    for item in attempt.items.select_related("version"):
        form.update(prefixed(item.position, answer_data(attempt, item)))
    response = signed_in.post(start["Location"] + "submit/", form)
    assert response["Location"].endswith("/results/")
    attempt.refresh_from_db()
    assert Answer.objects.filter(attempt=attempt).count() == 8
    assert attempt.score == 100.0 and attempt.passed


def test_saving_what_was_posted_skips_incomplete_and_impossible_answers(learner, quiz_dir):
    quiz = every_type_quiz(quiz_dir, feedback="after_submit", display="all")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    one, two, three = attempt.items.select_related("version").order_by("position")[:3]
    form = {
        **prefixed(1, answer_data(attempt, one)),
        "q2-answer": [],  # nothing chosen
        "q3-answer": "maybe",  # not a value the page offers
    }
    assert answers_save_posted(attempt=attempt, data=as_query(form)) == 1
    assert list(Answer.objects.filter(attempt=attempt).values_list("item__position", flat=True)) == [1]
