"""A signed-in reader's page served again to the same session from the cache (config.session_pages): the very page
the view would render, and only while everything it was built from is unchanged."""

import re
import string

import pytest
from django.contrib.sessions.backends.cached_db import SessionStore
from django.core.handlers.wsgi import WSGIRequest
from django.http import HttpResponse
from django.test import Client
from django.test.client import ClientHandler

from config.session_pages import serve
from courses.release import content_version_bump
from lti.services import SESSION_FRAME_ORIGINS
from tests.courses.test_page_cache import LESSON_URL, SYLLABUS_URL, learner, waiting_message

pytestmark = pytest.mark.django_db


class ThroughTheFront(ClientHandler):
    """Requests as gunicorn hands them to config.wsgi: the stored-page front first, Django for the rest."""

    def __call__(self, environ):
        served = serve(environ)
        if served is None:
            return super().__call__(environ)
        status, headers, body = served
        response = HttpResponse(body, status=int(status.split()[0]))
        del response["Content-Type"]
        for name, value in headers:
            if name == "Set-Cookie":
                response.cookies.load(value)
            else:
                response[name] = value
        response.wsgi_request = WSGIRequest(environ)  # Django never saw it: authentication gave it no user
        return response


class FrontClient(Client):
    def __init__(self, **kwargs) -> None:
        super().__init__(**kwargs)
        self.handler = ThroughTheFront(kwargs.get("enforce_csrf_checks", False))


@pytest.fixture
def client() -> FrontClient:
    return FrontClient()


def served_from_store(response) -> bool:
    # A stored page is answered before Django's authentication middleware gives the request a user.
    return not hasattr(response.wsgi_request, "user")


def settled(client: Client, url: str):
    """The last rendered response and the first stored one. The first visit sets the CSRF cookie (and the last
    lesson); in an empty cache, the first pages also write the generations and entries they were built from, so a
    page is stored once those are there (two or three visits)."""
    previous = client.get(url)
    for _ in range(4):
        response = client.get(url)
        if served_from_store(response):
            return previous, response
        previous = response
    raise AssertionError(f"{url} was never served from the store")


def without_tokens(response) -> str:
    return re.sub(r"[A-Za-z0-9]{64}", "TOKEN", response.content.decode())


def headers_of(response) -> dict[str, str]:
    return {name: value for name, value in response.items() if name != "X-Request-ID"}


@pytest.mark.parametrize("url", [LESSON_URL, SYLLABUS_URL, "/"], ids=["lesson", "syllabus", "home"])
def test_the_next_identical_request_gets_the_stored_page_with_its_own_csrf_token(url):
    client = FrontClient(enforce_csrf_checks=True)
    client.force_login(learner("ada", name="Ada Lovelace", finished=["disposability"]))
    rendered, stored = settled(client, url)

    assert not served_from_store(rendered)
    assert without_tokens(stored) == without_tokens(rendered)
    assert headers_of(stored) == headers_of(rendered)
    assert "Ada Lovelace" in stored.content.decode() and "pagecache" not in stored.content.decode()
    # The forms' token is masked afresh from this browser's secret, and a POST with it is accepted.
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', stored.content.decode()).group(1)
    assert token not in rendered.content.decode()
    assert client.post("/accounts/logout/", {"csrfmiddlewaretoken": token}).status_code == 302
    assert "Ada Lovelace" not in client.get(url).content.decode()


def test_an_unchanged_stored_page_answers_304():
    client = FrontClient()
    client.force_login(learner("ada", name="Ada"))
    _, page = settled(client, LESSON_URL)
    again = client.get(LESSON_URL, headers={"If-None-Match": page["ETag"]})
    assert served_from_store(again) and again.status_code == 304


def mark_finished(client: Client, user) -> None:
    client.post(LESSON_URL + "progress/", {"done": "1"})


def sign_out_elsewhere(client: Client, user) -> None:
    SessionStore(client.cookies["sessionid"].value).delete()


def leave_a_message(client: Client, user) -> None:
    client.cookies["messages"] = waiting_message("Saved elsewhere")


def change_password(client: Client, user) -> None:
    user.set_password("a-new-Passphrase-43")  # pragma: allowlist secret
    user.save()


def rename(client: Client, user) -> None:
    user.first_name = "Augusta"
    user.save()


def release(client: Client, user) -> None:
    content_version_bump()


@pytest.mark.parametrize(
    ("change", "shown"),
    [
        (mark_finished, "You have finished this lesson."),
        (sign_out_elsewhere, "Log in"),
        (leave_a_message, "Saved elsewhere"),
        (change_password, "Log in"),
        (rename, "Augusta"),
        (release, "Ada"),
    ],
    ids=lambda value: getattr(value, "__name__", None),
)
def test_a_change_to_what_the_page_is_built_from_renders_it_afresh(client, change, shown):
    ada = learner("ada", name="Ada")
    client.force_login(ada)
    settled(client, LESSON_URL)

    change(client, ada)
    page = client.get(LESSON_URL)

    assert not served_from_store(page)
    assert shown in page.content.decode()


def test_a_stored_page_of_a_session_launched_from_a_platform_may_still_be_framed_by_it(client):
    client.force_login(learner("ada", name="Ada"))
    session = client.session
    session[SESSION_FRAME_ORIGINS] = ["https://lms.example.edu"]
    session.save()

    _, page = settled(client, SYLLABUS_URL)

    assert "frame-ancestors https://lms.example.edu" in page["Content-Security-Policy"]
    assert "X-Frame-Options" not in page


def test_another_session_of_the_same_reader_renders_its_own_page(client):
    ada = learner("ada", name="Ada")
    client.force_login(ada)
    settled(client, SYLLABUS_URL)
    laptop = FrontClient()
    laptop.force_login(ada)
    laptop.get(SYLLABUS_URL)
    assert not served_from_store(laptop.get(SYLLABUS_URL))


def test_anonymous_readers_share_a_stored_lesson_each_with_their_own_etag_and_token():
    from config.etags import etag_of
    from courses.models import Lesson
    from courses.release import content_version

    first, second = FrontClient(enforce_csrf_checks=True), FrontClient(enforce_csrf_checks=True)
    settled(first, LESSON_URL)
    second.get(LESSON_URL)  # sets this browser's own CSRF cookie and last lesson
    page = second.get(LESSON_URL)

    assert served_from_store(page)
    secret = second.cookies["csrftoken"].value
    lesson = Lesson.objects.get(slug="disposability")
    parts = (content_version(), lesson.pk, False)
    assert page["ETag"] == etag_of(reader=(), csrf_secret=secret, session_key=None, parts=parts)
    assert "csrftoken" not in page.cookies  # never the first reader's secret
    assert second.get(LESSON_URL, headers={"If-None-Match": page["ETag"]}).status_code == 304
    token = re.search(r'name="csrfmiddlewaretoken" value="([A-Za-z0-9]{64})"', page.content.decode()).group(1)
    finished = second.post(LESSON_URL + "progress/", {"done": "1", "csrfmiddlewaretoken": token})
    assert finished.status_code == 302
    # Finished, in the session this POST began: the page is this session's own from now on.
    assert "You have finished this lesson." in second.get(LESSON_URL).content.decode()
    assert "Finished reading?" in first.get(LESSON_URL).content.decode()


def test_a_release_renders_the_shared_anonymous_lesson_afresh(client):
    settled(client, LESSON_URL)
    content_version_bump()
    assert not served_from_store(client.get(LESSON_URL))


def test_the_stored_home_page_is_not_served_after_the_minute_it_was_built_in(client, monkeypatch):
    """Assignment deadlines pass with the clock, with nothing else changing."""
    import time

    start = (int(time.time() // 60) + 1) * 60 + 5  # five seconds into the next minute, whatever the real clock says
    monkeypatch.setattr(time, "time", lambda: start)
    client.force_login(learner("ada", name="Ada"))
    settled(client, "/")
    monkeypatch.setattr(time, "time", lambda: start + 50)
    assert served_from_store(client.get("/"))
    monkeypatch.setattr(time, "time", lambda: start + 56)
    assert not served_from_store(client.get("/"))


def test_a_masked_csrf_token_unmasks_to_its_secret_with_a_fresh_mask_each_time():
    from django.middleware.csrf import _unmask_cipher_token, get_token
    from django.test import RequestFactory

    from config.session_pages import masked_csrf_token

    request = RequestFactory().get("/")
    get_token(request)  # a new secret, as Django makes them
    secret = request.META["CSRF_COOKIE"]
    tokens = {masked_csrf_token(secret) for _ in range(200)}

    assert len(tokens) == 200
    assert all(len(token) == 64 and token.isalnum() and _unmask_cipher_token(token) == secret for token in tokens)
    # Every allowed character shows up in the masks: the pick is not confined to part of the alphabet.
    assert set("".join(token[:32] for token in tokens)) == set(string.ascii_letters + string.digits)


def test_a_page_is_not_stored_when_an_entry_it_was_built_from_changed_before_the_store():
    from django.core.cache import cache

    from config.cache import decode_many
    from config.reader_prefetch import ABSENT
    from config.session_pages import unchanged_entries

    cache.set("page-built-from", {"version": "a"})
    cache.delete("page-built-from-nothing")

    unchanged = unchanged_entries({"page-built-from": {"version": "a"}, "page-built-from-nothing": ABSENT})
    assert unchanged is not None and unchanged["page-built-from-nothing"] == ABSENT
    # The entry as the cache holds it is what later requests compare, so it must be this very value.
    assert decode_many({"k": unchanged["page-built-from"]})["k"] == {"version": "a"}

    cache.set("page-built-from", {"version": "b"})
    assert unchanged_entries({"page-built-from": {"version": "a"}}) is None
    assert unchanged_entries({"page-built-from-nothing": {"version": "a"}}) is None


def test_recent_pages_keep_the_most_recently_used_within_their_size():
    from config.session_pages import RecentPages, StoredPage

    def page(size: int) -> StoredPage:
        return StoredPage((b"x" * size,), [], {}, None, None)

    recent = RecentPages(max_bytes=250)
    recent.put("a", page(100))
    recent.put("b", page(100))
    assert recent.get("a") is not None  # now the most recently used
    recent.put("c", page(100))

    assert recent.get("b") is None and recent.get("a") is not None and recent.get("c") is not None
    recent.put("a", page(240))  # replacing a page counts its new size only
    assert recent.get("c") is None and recent.get("a") is not None


def test_the_wsgi_application_gunicorn_runs_serves_a_stored_page_without_django(client, monkeypatch):
    import io
    import sys

    from config import wsgi

    client.force_login(learner("ada", name="Ada Lovelace"))
    _, stored = settled(client, LESSON_URL)

    def django_must_not_run(environ, start_response):
        raise AssertionError("a stored page went on to Django")

    monkeypatch.setattr(wsgi.application, "application", django_must_not_run)
    started = []
    cookie = "; ".join(f"{name}={morsel.value}" for name, morsel in client.cookies.items())
    environ = {
        **client._base_environ(PATH_INFO=LESSON_URL, REQUEST_METHOD="GET", HTTP_COOKIE=cookie),
        "wsgi.input": io.BytesIO(b""),
        "wsgi.errors": sys.stderr,
    }
    body = b"".join(wsgi.application(environ, lambda status, headers: started.append((status, dict(headers)))))

    status, headers = started[0]
    assert status == "200 OK" and "Ada Lovelace" in body.decode()
    assert without_tokens(stored) == re.sub(r"[A-Za-z0-9]{64}", "TOKEN", body.decode())
    assert int(headers["Content-Length"]) == len(body) and headers["X-Request-ID"] != stored["X-Request-ID"]


def test_a_stored_page_that_cannot_be_read_is_answered_by_django(client, monkeypatch):
    from config import session_pages, wsgi

    client.force_login(learner("ada", name="Ada Lovelace"))
    settled(client, LESSON_URL)

    def unreadable(key):
        raise ValueError("a corrupt entry")

    monkeypatch.setattr(session_pages, "read", unreadable)
    answered = []
    monkeypatch.setattr(wsgi.application, "application", lambda environ, start_response: answered.append(environ) or [])
    environ = client._base_environ(
        PATH_INFO=LESSON_URL, REQUEST_METHOD="GET", HTTP_COOKIE=client.cookies.output(header="", sep=";")
    )
    wsgi.application(environ, lambda status, headers: None)

    assert answered == [environ]
