from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.base import SessionBase
from django.db import transaction
from django.utils import timezone

from config.reader_pages import reader_changed
from courses import reading
from courses.models import Lesson, LessonProgress


def lesson_progress_set(*, lesson: Lesson, done: bool, user: User | AnonymousUser | None, session: SessionBase) -> None:
    """Mark a lesson done or not done: in the database for a signed-in reader, in the session otherwise."""
    if user is None or not user.is_authenticated:
        reading.session_mark(session, lesson.pk, done=done)
        return
    if done:
        LessonProgress.objects.get_or_create(user=user, lesson=lesson, defaults={"completed_at": timezone.now()})
    else:
        LessonProgress.objects.filter(user=user, lesson=lesson).delete()


@transaction.atomic
def lesson_progress_merge_session(*, user: User, session: SessionBase) -> int:
    """Move lessons finished before signing in onto the account. Returns how many were new to the account."""
    ids = reading.session_lesson_ids(session)
    if not ids:
        return 0
    existing = set(LessonProgress.objects.filter(user=user, lesson_id__in=ids).values_list("lesson_id", flat=True))
    now = timezone.now()
    new = [
        LessonProgress(user=user, lesson_id=lesson_id, completed_at=now)
        for lesson_id in Lesson.objects.filter(pk__in=ids - existing).values_list("pk", flat=True)
    ]
    LessonProgress.objects.bulk_create(new, ignore_conflicts=True)
    reader_changed(user.pk)  # bulk_create sends no post_save
    session.pop(reading.SESSION_KEY, None)
    return len(new)
