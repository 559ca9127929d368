"""Where a reader's finished lessons are kept: in the database when signed in, in the session until then.

The last lesson opened (for the home page's "continue") is a cookie, not a session key: opening a lesson is a plain
page view, and a page view writes nothing on the server."""

from django.conf import settings
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponse

SESSION_KEY = "lessons_done"
LAST_LESSON_COOKIE = "last_lesson"
LAST_LESSON_MAX_AGE = 365 * 24 * 3600


def session_lesson_ids(session: SessionBase) -> set[int]:
    return set(session.get(SESSION_KEY, []))


def session_mark(session: SessionBase, lesson_id: int, *, done: bool) -> None:
    ids = session_lesson_ids(session)
    ids = ids | {lesson_id} if done else ids - {lesson_id}
    session[SESSION_KEY] = sorted(ids)


def last_lesson_id(request: HttpRequest) -> int | None:
    value = request.COOKIES.get(LAST_LESSON_COOKIE, "")
    return int(value) if value.isdigit() else None


def remember_last_lesson(request: HttpRequest, response: HttpResponse, lesson_id: int) -> None:
    if last_lesson_id(request) != lesson_id:
        response.set_cookie(
            LAST_LESSON_COOKIE,
            str(lesson_id),
            max_age=LAST_LESSON_MAX_AGE,
            secure=settings.SESSION_COOKIE_SECURE,
            httponly=True,
            samesite="Lax",
        )
