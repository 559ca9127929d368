"""Signals labs sends, so the apps built on labs (teams' assessments) hear of a result without labs knowing them."""

from django.db.models.signals import post_delete, post_save
from django.dispatch import Signal

from config.reader_pages import reader_changed

# Sent once per submission, when its scorecard is first written; arguments: submission.
scorecard_recorded = Signal()


def scorecard_changed(sender, instance, **kwargs) -> None:
    """A scorecard changes the best lab scores the reader's syllabus shows (config.reader_pages)."""
    reader_changed(instance.submission.user_id)


def connect() -> None:
    post_save.connect(scorecard_changed, sender="labs.Scorecard", dispatch_uid="reader-scorecard-save")
    post_delete.connect(scorecard_changed, sender="labs.Scorecard", dispatch_uid="reader-scorecard-delete")
