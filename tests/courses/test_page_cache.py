"""What is cached for speed (content per release, permissions per user) never shows one reader another's data, and
a release is visible on the very next request."""

import io
import re
import shutil

import pytest
from django.contrib import messages
from django.contrib.auth.models import Permission, User
from django.contrib.messages.storage.cookie import CookieStorage
from django.core.management import call_command
from django.http import HttpResponse
from django.test import RequestFactory

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


def test_the_page_built_from_the_release_shell_is_the_page_rendered_whole(client):
    ada = learner("ada", name="Ada Lovelace", finished=["disposability"])
    client.force_login(ada)
    from_shell = client.get(LESSON_URL)
    # A message waiting to be shown once: the page is rendered whole, from the template as any other page.
    client.cookies["messages"] = waiting_message("Welcome back")
    whole = client.get(LESSON_URL)

    def without_tokens(response) -> str:
        html = response.content.decode()
        html = re.sub(r"[A-Za-z0-9]{64}", "TOKEN", html)
        html = re.sub(r'<ul class="messages".*?</ul>', "", html, flags=re.S)
        return re.sub(r"\s+", " ", html)

    assert "Welcome back" in whole.content.decode() and "Welcome back" not in from_shell.content.decode()
    assert without_tokens(from_shell) == without_tokens(whole)
    assert "pageshell" not in from_shell.content.decode() and "page-shell-slot" not in from_shell.content.decode()
