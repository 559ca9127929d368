"""Where a reader's finished lessons are kept: in the database when signed in, in the session until then."""

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "lessons_done"
LAST_LESSON_KEY = "last_lesson"


def session_lesson_ids(session: SessionBase) -> set[int]:
    return set(session.get(SESSION_KEY, []))


def session_mark(session: SessionBase, lesson_id: int, *, done: bool) -> None:
    ids = session_lesson_ids(session)
    ids = ids | {lesson_id} if done else ids - {lesson_id}
    session[SESSION_KEY] = sorted(ids)


def remember_last_lesson(session: SessionBase, lesson_id: int) -> None:
    # Compare first: assigning marks the session modified, which costs a database write on every page view.
    if session.get(LAST_LESSON_KEY) != lesson_id:
        session[LAST_LESSON_KEY] = lesson_id
