import pytest

from courses.models import Lesson, LessonProgress
from tests.factories import PASSWORD, LessonProgressFactory, UserFactory

pytestmark = pytest.mark.django_db


def lesson(slug: str) -> Lesson:
    return Lesson.objects.get(course__slug="twelve-factor", slug=slug)


def progress_url(slug: str) -> str:
    return f"/courses/twelve-factor/{slug}/progress/"


def test_signed_in_reader_marks_a_lesson_done_and_undone(client):
    user = UserFactory(username="ada", password=PASSWORD)
    client.force_login(user)

    response = client.post(progress_url("config"), {"done": "1"})
    assert response.status_code == 302
    assert response["Location"] == "/courses/twelve-factor/config/#progress"
    assert LessonProgress.objects.filter(user=user, lesson=lesson("config")).exists()

    client.post(progress_url("config"), {"done": "0"})
    assert not LessonProgress.objects.filter(user=user).exists()


def test_marking_done_twice_keeps_one_row(client):
    user = UserFactory(username="ada", password=PASSWORD)
    client.force_login(user)

    client.post(progress_url("config"), {"done": "1"})
    client.post(progress_url("config"), {"done": "1"})

    assert LessonProgress.objects.filter(user=user).count() == 1


def test_htmx_request_gets_only_the_progress_control(client):
    user = UserFactory(username="ada", password=PASSWORD)
    client.force_login(user)

    response = client.post(progress_url("logs"), {"done": "1"}, headers={"HX-Request": "true"})

    html = response.content.decode()
    assert response.status_code == 200
    assert "<html" not in html
    assert "You have finished this lesson." in html
    assert 'name="done" value="0"' in html


def test_anonymous_progress_is_kept_in_the_session_and_merged_on_log_in(client):
    UserFactory(username="ada", password=PASSWORD)
    client.post(progress_url("history"), {"done": "1"})
    client.post(progress_url("codebase"), {"done": "1"})
    syllabus = client.get("/courses/twelve-factor/")
    assert "2 of 14 lessons done" in syllabus.content.decode()
    assert not LessonProgress.objects.exists()

    client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})

    done = set(LessonProgress.objects.filter(user__username="ada").values_list("lesson__slug", flat=True))
    assert done == {"history", "codebase"}
    assert "lessons_done" not in client.session


def test_anonymous_progress_is_merged_on_sign_up_without_duplicates(client):
    client.post(progress_url("history"), {"done": "1"})

    client.post("/accounts/sign-up/", {"username": "grace", "password1": PASSWORD, "password2": PASSWORD})

    assert list(LessonProgress.objects.values_list("user__username", "lesson__slug")) == [("grace", "history")]


def test_merge_keeps_what_the_account_already_had(client):
    user = UserFactory(username="ada", password=PASSWORD)
    LessonProgressFactory(user=user, lesson=lesson("history"), completed_at="2026-01-01T00:00:00Z")
    client.post(progress_url("history"), {"done": "1"})
    client.post(progress_url("config"), {"done": "1"})

    client.post("/accounts/login/", {"username": "ada", "password": PASSWORD})

    rows = LessonProgress.objects.filter(user=user)
    assert rows.count() == 2
    assert rows.get(lesson__slug="history").completed_at.year == 2026


def test_home_offers_to_continue_with_the_last_unfinished_lesson(client):
    assert "Continue where you left off" not in client.get("/").content.decode()

    client.get("/courses/twelve-factor/processes/")
    home = client.get("/").content.decode()

    assert "Continue where you left off" in home
    assert 'href="/courses/twelve-factor/processes/"' in home


def test_home_offers_the_first_unfinished_lesson_once_the_last_one_is_done(client):
    client.get("/courses/twelve-factor/history/")
    client.post(progress_url("history"), {"done": "1"})

    home = client.get("/").content.decode()

    assert 'class="button" href="/courses/twelve-factor/codebase/"' in home
