import pytest

from quizzes.models import Answer, Attempt
from tests.factories import UserFactory
from tests.quizzes.conftest import answer_data, every_type_quiz

pytestmark = pytest.mark.django_db

HTMX = {"HTTP_HX_REQUEST": "true"}


def start(client, quiz) -> Attempt:
    response = client.post(quiz.get_absolute_url() + "start/")
    assert response.status_code == 302
    return Attempt.objects.get(quiz=quiz, submitted_at__isnull=True)


def answer_url(attempt, position):
    return f"/courses/practice/quizzes/config/attempts/{attempt.number}/questions/{position}/"


def test_sign_in_required(client, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    response = client.get(quiz.get_absolute_url())
    assert response.status_code == 302 and response["Location"].startswith("/accounts/login/")
    assert client.post(quiz.get_absolute_url() + "start/").status_code == 302
    assert not Attempt.objects.exists()


def test_quiz_page_and_start(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    page = signed_in.get("/courses/practice/quizzes/config/").content.decode()
    assert page.count("<h1") == 1 and "Start the quiz" in page and "Pass mark" in page
    attempt = start(signed_in, quiz)
    page = signed_in.get(f"/courses/practice/quizzes/config/attempts/{attempt.number}/").content.decode()
    assert "Question 1" in page and "0</strong> of 8 answered" in page
    assert "Resume attempt 1" in signed_in.get(quiz.get_absolute_url()).content.decode()


def test_answer_with_htmx_returns_the_question_with_feedback(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    attempt = start(signed_in, quiz)
    item = attempt.items.get(position=1)
    response = signed_in.post(answer_url(attempt, 1), answer_data(attempt, item), **HTMX)
    html = response.content.decode()
    assert response.status_code == 200
    assert html.lstrip().startswith('<section class="question card" id="question-1"')
    assert "<html" not in html
    assert "EXPLANATION-ONE" in html and "FEEDBACK-ENV" in html and "Correct answer" in html
    assert 'id="quiz-progress"' in html and 'hx-swap-oob="true"' in html and "1</strong> of 8 answered" in html
    assert "/courses/practice/config/#why-it-matters" in html


def test_answer_without_htmx_redirects_back_to_the_question(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    attempt = start(signed_in, quiz)
    item = attempt.items.get(position=2)
    response = signed_in.post(answer_url(attempt, 2), answer_data(attempt, item, right=False))
    assert response.status_code == 302
    assert response["Location"].endswith(f"/attempts/{attempt.number}/?q=2#question-2")
    page = signed_in.get(response["Location"]).content.decode()
    assert "EXPLANATION-MANY" in page and "Not quite" in page


def test_after_submit_feedback_stays_hidden_until_submitted(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir, feedback="after_submit", display="all")
    attempt = start(signed_in, quiz)
    for item in attempt.items.select_related("version"):
        html = signed_in.post(answer_url(attempt, item.position), answer_data(attempt, item), **HTMX).content.decode()
        assert "Answer saved" in html and "EXPLANATION" not in html and "FEEDBACK" not in html
    page = signed_in.get(f"/courses/practice/quizzes/config/attempts/{attempt.number}/").content.decode()
    assert page.count('class="question card"') == 8 and "EXPLANATION" not in page
    response = signed_in.post(f"/courses/practice/quizzes/config/attempts/{attempt.number}/submit/")
    assert response["Location"].endswith("/results/")
    results = signed_in.get(response["Location"]).content.decode()
    assert "100%" in results and "Passed" in results and "EXPLANATION-SPOT" in results
    assert "Every answer was right" in results


def test_results_list_what_to_review(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    attempt = start(signed_in, quiz)
    item = attempt.items.get(position=1)
    signed_in.post(answer_url(attempt, 1), answer_data(attempt, item, right=False))
    signed_in.post(f"/courses/practice/quizzes/config/attempts/{attempt.number}/submit/")
    results = signed_in.get(f"/courses/practice/quizzes/config/attempts/{attempt.number}/results/").content.decode()
    assert "0%" in results and "Not passed" in results and "What to review" in results
    assert 'href="/courses/practice/config/#why-it-matters">III. Config: Why it matters</a>' in results


def test_double_submit_is_idempotent(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = start(signed_in, quiz)
    item = attempt.items.get(position=1)
    data = answer_data(attempt, item)
    first = signed_in.post(answer_url(attempt, 1), data, **HTMX)
    second = signed_in.post(answer_url(attempt, 1), data, **HTMX)
    assert first.status_code == second.status_code == 200
    assert Answer.objects.filter(attempt=attempt).count() == 1
    submit = f"/courses/practice/quizzes/config/attempts/{attempt.number}/submit/"
    signed_in.post(submit)
    attempt.refresh_from_db()
    scored = (attempt.score, attempt.submitted_at)
    signed_in.post(submit)
    attempt.refresh_from_db()
    assert (attempt.score, attempt.submitted_at) == scored
    # Answering after submitting changes nothing and sends the learner to the results.
    late = signed_in.post(answer_url(attempt, 2), answer_data(attempt, attempt.items.get(position=2)), **HTMX)
    assert late.headers["HX-Redirect"].endswith("/results/")
    assert Answer.objects.filter(attempt=attempt).count() == 1


def test_tampered_post_is_refused(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    attempt = start(signed_in, quiz)
    assert signed_in.post(answer_url(attempt, 1), {"answer": "0"}, **HTMX).status_code == 400
    assert signed_in.post(answer_url(attempt, 1), {"answer": "0"}).status_code == 400
    assert not Answer.objects.exists()


def test_empty_answer_shows_an_error_with_and_without_htmx(signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    attempt = start(signed_in, quiz)
    htmx = signed_in.post(answer_url(attempt, 1), {}, **HTMX)
    assert (
        htmx.status_code == 200
        and 'role="alert"' in htmx.content.decode()
        and "Choose an answer." in htmx.content.decode()
    )
    plain = signed_in.post(answer_url(attempt, 1), {})
    assert plain.status_code == 422 and "Choose an answer." in plain.content.decode()
    assert not Answer.objects.exists()


def test_another_learners_attempt_is_not_found(client, signed_in, quiz_dir):
    quiz = every_type_quiz(quiz_dir)
    attempt = start(signed_in, quiz)
    client.force_login(UserFactory(username="mallory"))
    assert client.get(f"/courses/practice/quizzes/config/attempts/{attempt.number}/").status_code == 404
    assert client.post(answer_url(attempt, 1), {"answer": "x"}).status_code == 404


def test_answers_are_rate_limited(signed_in, quiz_dir, settings):
    from django.core.cache import cache

    cache.clear()
    settings.QUIZ_ANSWERS_PER_MINUTE = 2
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = start(signed_in, quiz)
    data = answer_data(attempt, attempt.items.get(position=1))
    codes = [signed_in.post(answer_url(attempt, 1), data, **HTMX).status_code for _ in range(3)]
    assert codes == [200, 200, 429]


def test_best_scores_and_quiz_for_lesson(quiz_dir, learner, lesson):
    from quizzes import selectors, services

    quiz = every_type_quiz(quiz_dir)
    assert selectors.quiz_for_lesson(lesson) == quiz
    assert selectors.best_scores(user=learner, course=quiz.course) == {}
    first = services.attempt_start(user=learner, quiz=quiz)
    Attempt.objects.filter(pk=first.pk).update(score=80.0, submitted_at="2025-01-01T00:00Z")
    second = services.attempt_start(user=learner, quiz=quiz)
    Attempt.objects.filter(pk=second.pk).update(score=40.0, submitted_at="2025-01-02T00:00Z")
    assert selectors.best_scores(user=learner, course=quiz.course) == {lesson.pk: 80.0}
    quiz.counts = "last"
    quiz.save()
    assert selectors.best_scores(user=learner, course=quiz.course) == {lesson.pk: 40.0}
    assert selectors.quiz_score(user=learner, quiz=quiz) == 40.0


def test_a_cached_attempt_that_was_submitted_elsewhere_takes_no_answer(signed_in, quiz_dir):
    """The answer path reads the attempt from the cache; a submit it has not heard of is still enforced by the
    write's own check under a row lock (here the submit skips signals, as a racing process would look)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    quiz = every_type_quiz(quiz_dir)
    attempt = start(signed_in, quiz)
    first = attempt.items.get(position=1)
    assert signed_in.post(answer_url(attempt, 1), answer_data(attempt, first), **HTMX).status_code == 200
    second = attempt.items.get(position=2)
    with CaptureQueriesContext(connection) as queries:
        signed_in.post(answer_url(attempt, 2), answer_data(attempt, second, right=False), **HTMX)
    assert not any('FROM "quizzes_attempt" INNER JOIN' in q["sql"] for q in queries.captured_queries)

    Attempt.objects.filter(pk=attempt.pk).update(submitted_at=timezone.now())
    third = attempt.items.get(position=3)
    late = signed_in.post(answer_url(attempt, 3), answer_data(attempt, third), **HTMX)

    assert not Answer.objects.filter(attempt=attempt, item=third).exists()
    # Sent where the closed attempt is shown (the attempt's page, read afresh, passes the learner on to the results).
    landing = signed_in.get(late.headers["HX-Redirect"], follow=True)
    assert landing.redirect_chain[-1][0].endswith("/results/")


def quiz_statements(queries) -> list[list[str]]:
    """What an answer asked the database about quizzes (not the session or cache tables, which vary by backend): the
    statements of each round trip."""
    return [
        [statement.split()[0] for statement in q["sql"].split(";\n") if statement.strip()]
        for q in queries.captured_queries
        if "quizzes_" in q["sql"]
    ]


def test_an_answer_writes_once_and_shows_what_is_answered_after_writing(signed_in, quiz_dir):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from courses.release import content_version

    content_version()  # as a release leaves it: the answer path caches the attempt under it
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = start(signed_in, quiz)
    first, second = (attempt.items.select_related("version").get(position=n) for n in (1, 2))
    signed_in.post(answer_url(attempt, 1), answer_data(attempt, first), **HTMX)

    with CaptureQueriesContext(connection) as changed:
        response = signed_in.post(answer_url(attempt, 1), answer_data(attempt, first, right=False), **HTMX)
    assert response.status_code == 200 and "1</strong> of 8 answered" in response.content.decode()
    assert Answer.objects.get(item=first).credit == 0
    with CaptureQueriesContext(connection) as added:
        response = signed_in.post(answer_url(attempt, 2), answer_data(attempt, second), **HTMX)
    assert response.status_code == 200 and "2</strong> of 8 answered" in response.content.decode()

    # The attempt and its items come from the cache. The attempt is locked first (a submit at the same moment either
    # counts the answer or refuses it), then the answer written, then what is answered read, still under the lock.
    if connection.vendor == "postgresql":
        # All in one round trip: the lock, the change or the new answer (whichever applies), the answer, the answered.
        steps = [["SELECT", "UPDATE", "INSERT", "SELECT", "SELECT"]]
        assert quiz_statements(changed) == quiz_statements(added) == steps
        sent = next(q["sql"] for q in changed.captured_queries if "quizzes_" in q["sql"])
        assert sent.split(";")[0].rstrip().endswith("FOR UPDATE")
    else:
        assert quiz_statements(changed) == [["SELECT"], ["SELECT"], ["UPDATE"], ["SELECT"]]
        assert quiz_statements(added) == [["SELECT"], ["SELECT"], ["INSERT"], ["SELECT"]]


def test_an_answer_after_a_release_shows_the_question_as_the_release_rendered_it(signed_in, quiz_dir):
    """The answer path keeps question versions in process memory for the release; a release that re-renders a
    question's HTML in place (a newer renderer, same answer key) is shown by the very next answer."""
    from courses.release import content_version, content_version_bump
    from quizzes.models import QuestionVersion

    content_version()
    quiz = every_type_quiz(quiz_dir, feedback="after_submit")
    attempt = start(signed_in, quiz)
    item = attempt.items.select_related("version").get(position=1)
    before = signed_in.post(answer_url(attempt, 1), answer_data(attempt, item), **HTMX).content.decode()
    assert "Where does config live?" in before

    rendered = {**item.version.rendered, "prompt": "<p>Where does <em>config</em> live, re-rendered?</p>"}
    QuestionVersion.objects.filter(pk=item.version.pk).update(rendered=rendered)
    content_version_bump()  # as load_content does after a release
    after = signed_in.post(answer_url(attempt, 1), answer_data(attempt, item, right=False), **HTMX).content.decode()

    assert "Where does <em>config</em> live, re-rendered?" in after
    assert Answer.objects.get(item=item).credit == 0


def test_the_progress_shown_after_an_answer_counts_the_pages_other_answers_saved_meanwhile(
    signed_in, quiz_dir, monkeypatch
):
    """A page saving several questions sends their requests together; each response's progress is swapped into the
    page, and the last to arrive stays, so each must count what the others saved while it was being graded."""
    from django.http import QueryDict

    from quizzes import services
    from quizzes.responses import parse_answer

    quiz = every_type_quiz(quiz_dir, feedback="after_submit", display="all")
    attempt = start(signed_in, quiz)
    first, second = (attempt.items.select_related("version").get(position=n) for n in (1, 2))
    save = services.answer_save

    def save_while_the_other_question_is_saved(**kwargs):
        fields = QueryDict(mutable=True)
        for name, value in answer_data(attempt, second).items():
            fields.setlist(name, value if isinstance(value, list) else [value])
        parsed = parse_answer(attempt=attempt, version=second.version, data=fields)
        save(attempt=attempt, item=second, given=parsed.given, response=parsed.response)
        return save(**kwargs)

    monkeypatch.setattr(services, "answer_save", save_while_the_other_question_is_saved)
    response = signed_in.post(answer_url(attempt, 1), answer_data(attempt, first), **HTMX)

    assert "2</strong> of 8 answered" in response.content.decode()


def test_a_cached_syllabus_shows_the_score_of_an_attempt_answered_in_place(client, content_course):
    from quizzes.models import Quiz

    ada = UserFactory(username="ada")
    client.force_login(ada)
    client.get("/courses/twelve-factor/")
    assert "Score 100%" not in client.get("/courses/twelve-factor/").content.decode()  # served from the cache

    attempt = start(client, Quiz.objects.get(course=content_course, slug="final"))
    prefix = f"/courses/twelve-factor/quizzes/final/attempts/{attempt.number}"
    for item in attempt.items.all():
        response = client.post(f"{prefix}/questions/{item.position}/", answer_data(attempt, item), **HTMX)
        assert response.status_code == 200
    assert client.post(f"{prefix}/submit/").status_code == 302

    assert "Score 100%" in client.get("/courses/twelve-factor/").content.decode()
