"""A submitted or removed attempt changes the best scores the reader's syllabus shows (config.reader_pages)."""

from django.db.models.signals import post_delete, post_save

from config.reader_pages import reader_changed


def attempt_changed(sender, instance, **kwargs) -> None:
    reader_changed(instance.user_id)


def connect() -> None:
    post_save.connect(attempt_changed, sender="quizzes.Attempt", dispatch_uid="reader-attempt-save")
    post_delete.connect(attempt_changed, sender="quizzes.Attempt", dispatch_uid="reader-attempt-delete")
