import pytest
from django.http import QueryDict

from quizzes import services
from quizzes.loader import load_course_quizzes
from quizzes.models import Answer, Attempt
from quizzes.responses import IncompleteAnswer, TamperedAnswer, parse_answer
from tests.factories import UserFactory
from tests.quizzes.conftest import answer_data, every_type_quiz
from tests.quizzes.content_lessons import COURSE_DIR

pytestmark = pytest.mark.django_db


def as_query(data: dict) -> QueryDict:
    query = QueryDict(mutable=True)
    for key, value in data.items():
        query.setlist(key, value if isinstance(value, list) else [value])
    return query


def answer(attempt, item, *, right=True):
    parsed = parse_answer(attempt=attempt, version=item.version, data=as_query(answer_data(attempt, item, right=right)))
    return services.answer_save(attempt=attempt, item=item, given=parsed.given, response=parsed.response)


def test_every_type_answered_right_scores_100(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    for item in attempt.items.select_related("version"):
        assert answer(attempt, item).answer.credit == 1.0, item.version.type
    submitted = services.attempt_submit(attempt=attempt)
    assert (submitted.score, submitted.passed, submitted.points_possible) == (100.0, True, 8)


def test_every_type_answered_wrong_scores_0(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    for item in attempt.items.select_related("version"):
        assert answer(attempt, item, right=False).answer.credit == 0.0, item.version.type
    assert services.attempt_submit(attempt=attempt).score == 0.0


def test_start_resumes_the_open_attempt_and_honours_the_limit(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir)
    quiz.attempts_allowed = 1
    quiz.save()
    first = services.attempt_start(user=learner, quiz=quiz)
    assert services.attempt_start(user=learner, quiz=quiz) == first
    services.attempt_submit(attempt=first)
    with pytest.raises(services.AttemptLimitReached):
        services.attempt_start(user=learner, quiz=quiz)


def test_same_answer_twice_is_idempotent(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    item = attempt.items.select_related("version").first()
    first = answer(attempt, item)
    second = answer(attempt, item)
    assert first.changed and not second.changed
    assert Answer.objects.filter(attempt=attempt).count() == 1
    # Under after-submit feedback the learner may still change it.
    assert answer(attempt, item, right=False).changed
    assert Answer.objects.get(attempt=attempt).credit == 0.0


def test_immediate_feedback_locks_the_first_answer(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir, feedback="immediate")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    item = attempt.items.select_related("version").first()
    answer(attempt, item, right=False)
    result = answer(attempt, item, right=True)
    assert result.locked and not result.changed
    assert Answer.objects.get(attempt=attempt).credit == 0.0


def test_submit_scores_once(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    item = attempt.items.select_related("version").first()
    answer(attempt, item)
    first = services.attempt_submit(attempt=attempt)
    again = services.attempt_submit(attempt=attempt)
    assert (again.score, again.submitted_at) == (first.score, first.submitted_at)
    assert first.score == 12.5
    with pytest.raises(services.AttemptClosed):
        answer(attempt, attempt.items.select_related("version").last())


def test_tampered_and_incomplete_posts(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    other = services.attempt_start(user=UserFactory(username="eve"), quiz=quiz)
    items = {item.version.type: item for item in attempt.items.select_related("version")}
    single = items["single"]
    # An option id from another learner's attempt names nothing here.
    with pytest.raises(TamperedAnswer):
        parse_answer(attempt=attempt, version=single.version, data=as_query(answer_data(other, single)))
    with pytest.raises(TamperedAnswer):
        parse_answer(attempt=attempt, version=single.version, data=as_query({"answer": ["0"]}))
    with pytest.raises(TamperedAnswer):
        picks = answer_data(attempt, items["multiple"])["answer"] + answer_data(attempt, single)["answer"]
        parse_answer(attempt=attempt, version=single.version, data=as_query({"answer": picks}))
    with pytest.raises(TamperedAnswer):
        parse_answer(attempt=attempt, version=items["spot"].version, data=as_query({"line": ["99"]}))
    with pytest.raises(TamperedAnswer):
        parse_answer(attempt=attempt, version=items["true_false"].version, data=as_query({"answer": "maybe"}))
    ordering = answer_data(attempt, items["ordering"])
    ordering[next(iter(ordering))] = "9"
    with pytest.raises(TamperedAnswer):
        parse_answer(attempt=attempt, version=items["ordering"].version, data=as_query(ordering))
    same_position = dict.fromkeys(answer_data(attempt, items["ordering"]), "1")
    with pytest.raises(IncompleteAnswer):
        parse_answer(attempt=attempt, version=items["ordering"].version, data=as_query(same_position))
    for kind, item in items.items():
        # The position selects always post a value: an ordering post without them is not from the page.
        with pytest.raises(TamperedAnswer if kind == "ordering" else IncompleteAnswer):
            parse_answer(attempt=attempt, version=item.version, data=QueryDict())


def test_options_are_shuffled_per_attempt_with_opaque_ids(quiz_dir, learner):
    from quizzes.tokens import shuffled, tokens

    quiz = every_type_quiz(quiz_dir)
    first = services.attempt_start(user=learner, quiz=quiz)
    second = services.attempt_start(user=UserFactory(username="bob"), quiz=quiz)
    version = first.items.get(position=1).version
    assert set(tokens(first, version, "option", 3)).isdisjoint(tokens(second, version, "option", 3))
    orders = {tuple(shuffled(Attempt(seed=str(n)), version, "item", 4, avoid_identity=True)) for n in range(50)}
    assert len(orders) > 5 and (0, 1, 2, 3) not in orders


def test_editing_a_question_after_an_attempt_keeps_its_score_and_review(quiz_dir, learner, client):
    quiz = every_type_quiz(quiz_dir)
    attempt = services.attempt_start(user=learner, quiz=quiz)
    item = attempt.items.select_related("version").get(version__question__key="pick-one")
    answer(attempt, item)
    services.attempt_submit(attempt=attempt)
    # The author flips the key and rewrites the explanation.
    path = quiz_dir.root / "quizzes" / "config.yaml"
    text = path.read_text()
    text = text.replace('{text: "In the environment", correct: true', '{text: "In the environment", correct: false')
    text = text.replace('{text: "In settings_prod.py", correct: false', '{text: "In settings_prod.py", correct: true')
    path.write_text(text.replace("EXPLANATION-ONE", "EXPLANATION-REWRITTEN"))
    quiz_dir.load()

    attempt.refresh_from_db()
    assert attempt.score == 12.5
    item.refresh_from_db()
    assert item.version.definition["options"][0]["correct"] is True
    client.force_login(learner)
    page = client.get(f"/courses/practice/quizzes/config/attempts/{attempt.number}/results/").content.decode()
    assert "EXPLANATION-ONE" in page and "EXPLANATION-REWRITTEN" not in page
    # A new attempt gets the new version.
    new = services.attempt_start(user=learner, quiz=quiz)
    assert new.items.get(version__question__key="pick-one").version != item.version


def test_an_erratum_in_a_content_question_becomes_a_version_and_past_scores_stay(content_course, learner, tmp_path):
    # Issue 18 took the bare import (line 3) out of this question's key. Load the key as it was, take an attempt,
    # then load content/ as it is now.
    lessons = {lesson.slug: lesson for lesson in content_course.lessons.all()}
    text = (COURSE_DIR / "quizzes" / "logs.yaml").read_text()
    assert text.count("violations: [10, 12, 16]") == 1
    (tmp_path / "quizzes").mkdir()
    (tmp_path / "quizzes" / "logs.yaml").write_text(text.replace("[10, 12, 16]", "[3, 10, 12, 16]"))
    load_course_quizzes(course=content_course, course_dir=tmp_path, lessons=lessons)
    quiz = content_course.quizzes.get(slug="logs")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    item = attempt.items.select_related("version").get(version__question__key="logs-spot-python-config")
    assert answer(attempt, item).answer.credit == 1.0
    score = services.attempt_submit(attempt=attempt).score

    load_course_quizzes(course=content_course, course_dir=COURSE_DIR, lessons=lessons)

    question = item.version.question
    question.refresh_from_db()
    assert question.current_version != item.version
    assert question.current_version.definition["violations"] == [10, 12, 16]
    attempt.refresh_from_db()
    item.refresh_from_db()
    assert attempt.score == score
    assert item.version.definition["violations"] == [3, 10, 12, 16]
    assert Answer.objects.get(item=item).credit == 1.0
    # The same clicks in a new attempt are graded against the corrected key.
    new = services.attempt_start(user=learner, quiz=quiz)
    new_item = new.items.select_related("version").get(version__question__key="logs-spot-python-config")
    lines = as_query({"line": ["3", "10", "12", "16"]})
    parsed = parse_answer(attempt=new, version=new_item.version, data=lines)
    saved = services.answer_save(attempt=new, item=new_item, given=parsed.given, response=parsed.response)
    assert saved.answer.credit < 1.0


def test_draw_per_factor(content_course, learner):
    quiz = content_course.quizzes.get(slug="final")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    factors = [item.version.factor for item in attempt.items.select_related("version")]
    assert sorted(factors) == sorted(list(range(1, 13)) * quiz.draw_per_factor)


def test_rate_limit_per_user(settings, learner):
    from django.core.cache import cache

    cache.clear()
    settings.QUIZ_ANSWERS_PER_MINUTE = 3
    assert [services.answer_rate_allowed(user_id=learner.pk) for _ in range(5)] == [True, True, True, False, False]
    assert services.answer_rate_allowed(user_id=learner.pk + 1)


@pytest.mark.django_db(transaction=True)
def test_an_answer_changed_while_a_submit_scores_the_attempt_is_refused_not_saved_after_the_score(quiz_dir, learner):
    import threading

    from django.db import connection, transaction
    from django.utils import timezone

    if connection.vendor != "postgresql":
        pytest.skip("row locks: the embedded SQLite locks the whole database instead")
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    item = attempt.items.select_related("version").first()
    answer(attempt, item, right=True)
    outcome = {}

    def change_the_answer() -> None:
        try:
            outcome["changed"] = answer(attempt, item, right=False).changed
        except services.AttemptClosed:
            outcome["closed"] = True
        finally:
            connection.close()

    # A submit at the moment it scores: the attempt and its answers locked and the score written, not yet committed.
    with transaction.atomic():
        Attempt.objects.select_for_update().get(pk=attempt.pk)
        list(Answer.objects.select_for_update().filter(attempt=attempt))
        Attempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now(), score=12.5)
        learner_tab = threading.Thread(target=change_the_answer)
        learner_tab.start()
        learner_tab.join(timeout=1.0)
        assert learner_tab.is_alive(), "the change should wait for the submit"
    learner_tab.join(timeout=10)

    assert outcome == {"closed": True}
    assert Answer.objects.get(item=item).credit == 1.0


def wait_until_blocked_on_a_lock(connection) -> None:
    """Until another session of this database waits for a lock (the learner's save, behind the one held here)."""
    import time

    deadline = time.monotonic() + 10
    with connection.cursor() as cursor:
        while time.monotonic() < deadline:
            # The activity view is read once per transaction unless its snapshot is cleared.
            cursor.execute("SELECT pg_stat_clear_snapshot()")
            cursor.execute(
                "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            if cursor.fetchone()[0]:
                return
            time.sleep(0.01)
    raise AssertionError("the save never waited for the lock held here")


@pytest.mark.django_db(transaction=True)
def test_a_new_answer_given_while_a_submit_scores_the_attempt_is_refused_not_saved_after_the_score(quiz_dir, learner):
    import threading

    from django.db import connection, transaction
    from django.utils import timezone

    if connection.vendor != "postgresql":
        pytest.skip("row locks: the embedded SQLite locks the whole database instead")
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    item = attempt.items.select_related("version").first()
    outcome = {}

    def give_the_answer() -> None:
        try:
            outcome["changed"] = answer(attempt, item).changed
        except services.AttemptClosed:
            outcome["closed"] = True
        finally:
            connection.close()

    with transaction.atomic():
        Attempt.objects.select_for_update().get(pk=attempt.pk)
        Attempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now(), score=0.0)
        learner_tab = threading.Thread(target=give_the_answer)
        learner_tab.start()
        wait_until_blocked_on_a_lock(connection)
    learner_tab.join(timeout=10)

    assert outcome == {"closed": True}
    assert not Answer.objects.filter(attempt=attempt).exists()


@pytest.mark.django_db(transaction=True)
def test_what_is_answered_after_a_save_counts_an_answer_saved_while_it_waited_for_the_attempt(quiz_dir, learner):
    """Two questions of a page saved at once: the one that waits for the other's lock reads what is answered after
    the other committed (read in the same statement as the lock, it would see the attempt as it was before)."""
    import threading

    from django.db import connection, transaction

    if connection.vendor != "postgresql":
        pytest.skip("row locks: the embedded SQLite locks the whole database instead")
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = services.attempt_start(user=learner, quiz=quiz)
    first, second = attempt.items.select_related("version").order_by("position")[:2]
    outcome = {}

    def answer_the_first() -> None:
        try:
            outcome["answered"] = answer(attempt, first).answered
        finally:
            connection.close()

    # The other request's save, halfway: the attempt locked and the second question's answer written, not committed.
    with transaction.atomic():
        Attempt.objects.select_for_update().get(pk=attempt.pk)
        Answer.objects.create(attempt=attempt, item=second, given={}, response=0, credit=0.0)
        learner_tab = threading.Thread(target=answer_the_first)
        learner_tab.start()
        wait_until_blocked_on_a_lock(connection)
    learner_tab.join(timeout=10)

    assert outcome == {"answered": {first.pk, second.pk}}
