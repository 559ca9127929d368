"""The answer path's reads: an attempt's items come from the cache after the first answer, and never another
attempt's."""

import pytest
from django.contrib.auth.models import User

from quizzes import selectors
from quizzes.models import Attempt, AttemptItem, Quiz
from quizzes.services import attempt_start
from tests.factories import UserFactory
from tests.quizzes.conftest import answer_data

pytestmark = pytest.mark.django_db


@pytest.fixture
def final_bank(content_course) -> Quiz:
    return Quiz.objects.get(course=content_course, slug="final")


def item_for(user: User, attempt: Attempt, position: int) -> AttemptItem | None:
    return selectors.attempt_item_for_answer(
        user=user, course_slug="twelve-factor", quiz_slug="final", number=attempt.number, position=position
    )


def test_each_learner_gets_the_item_of_their_own_attempt(final_bank):
    ada, bob = UserFactory(username="ada"), UserFactory(username="bob")
    ada_attempt, bob_attempt = attempt_start(user=ada, quiz=final_bank), attempt_start(user=bob, quiz=final_bank)

    for _ in range(2):  # the first call fills the cache, the second reads it
        ada_item, bob_item = item_for(ada, ada_attempt, 1), item_for(bob, bob_attempt, 1)
        assert ada_item == ada_attempt.items.get(position=1) and ada_item.attempt == ada_attempt
        assert bob_item == bob_attempt.items.get(position=1) and bob_item.attempt == bob_attempt
        assert ada_item.version_id == AttemptItem.objects.get(pk=ada_item.pk).version_id


def test_an_attempt_opened_again_after_deletion_gets_its_new_items(final_bank):
    ada = UserFactory(username="ada")
    first = attempt_start(user=ada, quiz=final_bank)
    old_item = item_for(ada, first, 1)
    first.delete()

    second = attempt_start(user=ada, quiz=final_bank)
    new_item = item_for(ada, second, 1)

    assert second.number == first.number
    assert new_item.pk != old_item.pk and new_item.attempt == second


def test_no_item_for_a_position_the_attempt_does_not_have(final_bank):
    ada = UserFactory(username="ada")
    attempt = attempt_start(user=ada, quiz=final_bank)

    assert item_for(ada, attempt, attempt.items.count() + 1) is None
    assert item_for(UserFactory(username="eve"), attempt, 1) is None


def test_attempt_progress_marks_the_answered_positions(final_bank, client):
    ada = UserFactory(username="ada")
    attempt = attempt_start(user=ada, quiz=final_bank)
    selectors.attempt_item_rows(attempt)  # the items cached before any answer
    client.force_login(ada)

    url = f"/courses/twelve-factor/quizzes/final/attempts/{attempt.number}/questions/2/"
    response = client.post(url, answer_data(attempt, attempt.items.get(position=2)), headers={"HX-Request": "true"})

    assert response.status_code == 200
    rows = selectors.attempt_progress(attempt=attempt, answered=selectors.attempt_answers(attempt=attempt))
    assert [position for position, answered in rows if answered] == [2]
    assert [position for position, _ in rows] == list(range(1, attempt.items.count() + 1))
