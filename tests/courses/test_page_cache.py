"""What is cached for speed (content per release, permissions per user) never shows one reader another's data, and
a release is visible on the very next request."""

import datetime
import io
import re
import shutil

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission, User
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import call_command
from django.db import connection
from django.http import HttpResponse
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from courses.models import Lesson
from tests.conftest import CONTENT_DIR
from tests.factories import LessonProgressFactory, UserFactory

pytestmark = pytest.mark.django_db

LESSON_URL = "/courses/twelve-factor/disposability/"
SYLLABUS_URL = "/courses/twelve-factor/"


def learner(username: str, *, name: str, finished: list[str] = ()) -> User:
    user = UserFactory(username=username, first_name=name)
    for slug in finished:
        LessonProgressFactory(user=user, lesson=Lesson.objects.get(slug=slug), completed_at="2026-12-01T10:00:00Z")
    return user


def page_for(client, user: User | None, url: str = LESSON_URL):
    client.logout()
    if user is not None:
        client.force_login(user)
    client.get(url)  # the first page of a visit sets the CSRF cookie the ETag is keyed on
    return client.get(url)


def test_lesson_page_shows_each_learner_their_own_progress_and_name(client):
    ada = learner("ada", name="Ada Lovelace", finished=["disposability"])
    bob = learner("bob", name="Bob Marley")

    ada_page = page_for(client, ada).content.decode()
    bob_page = page_for(client, bob).content.decode()
    anonymous_page = page_for(client, None).content.decode()

    assert "You have finished this lesson." in ada_page and "Ada Lovelace" in ada_page
    assert "Finished reading?" in bob_page and "Bob Marley" in bob_page
    assert "Ada Lovelace" not in bob_page and "You have finished this lesson." not in bob_page
    assert "Ada Lovelace" not in anonymous_page and "Bob Marley" not in anonymous_page
    assert "Finished reading?" in anonymous_page


def test_syllabus_shows_each_learner_their_own_count(client):
    ada = learner("ada", name="Ada", finished=["history", "codebase"])
    bob = learner("bob", name="Bob")

    assert "2 of 14 lessons done" in page_for(client, ada, SYLLABUS_URL).content.decode()
    assert "0 of 14 lessons done" in page_for(client, bob, SYLLABUS_URL).content.decode()


def test_another_learners_etag_gets_the_whole_page_not_a_304(client):
    ada = learner("ada", name="Ada", finished=["disposability"])
    bob = learner("bob", name="Bob")
    ada_etag = page_for(client, ada)["ETag"]
    csrf_cookie = client.cookies["csrftoken"].value

    page_for(client, bob)
    client.cookies["csrftoken"] = csrf_cookie  # even with the same CSRF secret, bob's page is bob's
    response = client.get(LESSON_URL, headers={"If-None-Match": ada_etag})

    assert response.status_code == 200
    assert "Bob" in response.content.decode() and "Finished reading?" in response.content.decode()


def test_an_unchanged_page_answers_304_until_progress_changes(client):
    ada = learner("ada", name="Ada")
    first = page_for(client, ada)
    assert set(first["Cache-Control"].split(", ")) == {"private", "no-cache"}

    again = client.get(LESSON_URL, headers={"If-None-Match": first["ETag"]})
    assert again.status_code == 304

    client.post(LESSON_URL + "progress/", {"done": "1"})
    after = client.get(LESSON_URL, headers={"If-None-Match": first["ETag"]})
    assert after.status_code == 200
    assert "You have finished this lesson." in after.content.decode()


def test_a_permission_granted_shows_in_the_header_on_the_next_page(client):
    grace = learner("grace", name="Grace")
    assert 'href="/workshops/"' not in page_for(client, grace).content.decode()

    grace.user_permissions.add(Permission.objects.get(codename="lead_cohort"))
    assert 'href="/workshops/"' in client.get(LESSON_URL).content.decode()

    grace.user_permissions.clear()
    assert 'href="/workshops/"' not in client.get(LESSON_URL).content.decode()


def test_a_plain_lesson_view_writes_no_session(client):
    client.post(LESSON_URL + "progress/", {"done": "1"})  # an anonymous reader with progress in the session
    session_key = client.cookies["sessionid"].value

    response = client.get("/courses/twelve-factor/logs/")

    assert response.status_code == 200
    assert "sessionid" not in response.cookies
    assert client.cookies["sessionid"].value == session_key


def test_a_release_with_an_edited_lesson_shows_the_edit_and_changes_the_etag(client, tmp_path):
    content = tmp_path / "content"
    shutil.copytree(CONTENT_DIR, content)
    before = page_for(client, None)
    assert "A freshly released sentence." not in before.content.decode()

    lesson_file = next((content / "courses/twelve-factor/lessons").glob("*disposability*"))
    text = lesson_file.read_text()
    lesson_file.write_text(text.replace("## Start fast\n", "## Start fast\n\nA freshly released sentence.\n", 1))
    call_command("load_content", path=content, stdout=io.StringIO())

    after = client.get(LESSON_URL, headers={"If-None-Match": before["ETag"]})
    assert after.status_code == 200
    assert "A freshly released sentence." in after.content.decode()
    assert after["ETag"] != before["ETag"]


def waiting_message(text: str) -> str:
    """The messages cookie a redirect after an action would have set."""
    storage = CookieStorage(RequestFactory().get("/"))
    storage.add(messages.INFO, text)
    response = HttpResponse()
    storage.update(response)
    return response.cookies["messages"].value


@pytest.mark.parametrize("signed_in", [False, True], ids=["anonymous", "signed-in"])
def test_a_cached_page_is_the_page_rendered_whole(client, signed_in):
    if signed_in:
        client.force_login(learner("ada", name="Ada Lovelace", finished=["disposability"]))
    else:
        client.post(LESSON_URL + "progress/", {"done": "1"})  # finished, in the session
    client.get(LESSON_URL)
    cached = client.get(LESSON_URL)
    # A message waiting to be shown once: the page is rendered whole, from the template as any other page.
    client.cookies["messages"] = waiting_message("Welcome back")
    whole = client.get(LESSON_URL)

    def without_tokens(response) -> str:
        html = response.content.decode()
        html = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html)
        html = re.sub(r'<ul class="messages".*?</ul>', "", html, flags=re.S)
        return re.sub(r"\s+", " ", html)

    assert "Welcome back" in whole.content.decode() and "Welcome back" not in cached.content.decode()
    assert "You have finished this lesson." in cached.content.decode()
    assert without_tokens(cached) == without_tokens(whole)
    assert "pagecache" not in cached.content.decode()


# --- A signed-in reader's whole page is cached (config.reader_pages): whatever it shows changes it at once ---------


def syllabus_html(client) -> str:
    return client.get(SYLLABUS_URL).content.decode()


def test_a_cached_syllabus_is_served_again_and_follows_new_progress_and_scores(client):
    from labs.models import Lab
    from quizzes import services as quiz_services
    from quizzes.models import Quiz
    from tests.factories import ScorecardFactory

    ada = learner("ada", name="Ada")
    page_for(client, ada, SYLLABUS_URL)
    with CaptureQueriesContext(connection) as queries:
        assert "0 of 14 lessons done" in syllabus_html(client)
    # The user, their permissions and the page come from the cache (on the embedded default, a table of its own,
    # written in a savepoint when the page is stored for the session's next request).
    cache_sql = r"django_(cache|session)|SAVEPOINT"
    assert [q["sql"][:90] for q in queries.captured_queries if not re.search(cache_sql, q["sql"])] == []

    LessonProgressFactory(user=ada, lesson=Lesson.objects.get(slug="config"))
    assert "1 of 14 lessons done" in syllabus_html(client)

    attempt = quiz_services.attempt_start(user=ada, quiz=Quiz.objects.get(slug="config"))
    quiz_services.attempt_submit(attempt=attempt)
    assert "Quiz best 0%" in syllabus_html(client)

    lab = Lab.objects.order_by("pk").first()
    ScorecardFactory(submission__lab=lab, submission__user=ada, score=93)
    assert "Best 93" in syllabus_html(client)


def test_a_renamed_reader_sees_the_new_name_on_the_cached_pages(client):
    ada = learner("ada", name="Ada")
    assert "Ada" in page_for(client, ada, SYLLABUS_URL).content.decode()
    ada.first_name = "Augusta"
    ada.save()
    assert "Augusta" in syllabus_html(client)
    assert "Augusta" in client.get(LESSON_URL).content.decode()


def test_the_cached_page_carries_each_sessions_own_csrf_token(client):
    from django.test import Client

    ada = learner("ada", name="Ada")
    page_for(client, ada)  # cached now
    other_device = Client(enforce_csrf_checks=True)
    other_device.force_login(ada)
    other_device.get(LESSON_URL)
    html = other_device.get(LESSON_URL).content.decode()

    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', html).group(1)
    assert "pageshell" not in html
    answer = other_device.post(LESSON_URL + "progress/", {"done": "1", "csrfmiddlewaretoken": token})
    assert answer.status_code == 302
    assert "You have finished this lesson." in client.get(LESSON_URL).content.decode()


def test_a_password_change_elsewhere_signs_the_cached_session_out(client):
    ada = learner("ada", name="Ada")
    assert "Ada" in page_for(client, ada).content.decode()
    ada.set_password("a-new-Passphrase-43")  # pragma: allowlist secret
    ada.save()
    page = client.get(LESSON_URL).content.decode()
    assert "Log in" in page and "Ada" not in page


def test_a_deactivated_reader_is_signed_out_on_the_next_page(client):
    ada = learner("ada", name="Ada")
    page_for(client, ada)
    ada.is_active = False
    ada.save()
    assert "Log in" in client.get(SYLLABUS_URL).content.decode()


def test_an_item_the_instructor_locks_or_opens_shows_on_the_next_cached_page(client):
    from tests.factories import InstructorFactory
    from workshops import services as workshop_services

    ada = learner("ada", name="Ada")
    course = Lesson.objects.get(slug="config").course
    cohort = workshop_services.cohort_create(
        instructor=InstructorFactory(username="ins"),
        course=course,
        name="Room",
        starts_on=datetime.date(2026, 12, 1),
        ends_on=datetime.date(2026, 12, 2),
        seat_cap=5,
    )
    workshop_services.cohort_join(cohort=cohort, user=ada)
    config_url = "/courses/twelve-factor/config/"
    assert page_for(client, ada, config_url).status_code == 200
    assert "is-locked" not in syllabus_html(client)

    workshop_services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=True)
    assert client.get(config_url).status_code == 403
    assert "is-locked" in syllabus_html(client)

    workshop_services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=False)
    assert client.get(config_url).status_code == 200
    assert "is-locked" not in syllabus_html(client)


def test_the_cached_home_page_follows_new_assignments_renamed_assessments_and_the_last_lesson(client):
    from datetime import timedelta

    from django.utils import timezone

    from quizzes.models import Quiz
    from teams import services as team_services
    from teams.models import Assessment

    ada = learner("ada", name="Ada")
    boss = UserFactory(username="boss")
    organisation = team_services.organisation_create(name="Acme", admin=boss)
    assert "Your assignments" not in page_for(client, ada, "/").content.decode()

    assessment = team_services.assessment_create(
        organisation=organisation,
        created_by=boss,
        title="Onboarding check",
        deadline=timezone.now() + timedelta(days=3),
        pass_mark=70,
        attempts_allowed=1,
        time_limit_minutes=None,
        feedback=Assessment.Feedback.AFTER_SUBMIT,
        quizzes=[(Quiz.objects.get(slug="final"), 1)],
    )
    team_services.membership_add(organisation=organisation, user=ada)
    team_services.assignment_create(assessment=assessment, user=ada)
    assert "Onboarding check" in client.get("/").content.decode()

    assessment.title = "Week one check"
    assessment.save()
    assert "Week one check" in client.get("/").content.decode()

    client.get("/courses/twelve-factor/logs/")  # the last lesson opened is a cookie the home page reads
    assert "logs/" in client.get("/").content.decode()
