from django.contrib.auth.signals import user_logged_in
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from config.reader_pages import reader_changed
from courses.release import content_version_bump
from courses.services import lesson_progress_merge_session


@receiver(user_logged_in)
def merge_reading_progress(sender, request, user, **kwargs) -> None:
    # Log-in and sign-up both pass through login(): what an anonymous reader finished joins the account.
    if request is not None and hasattr(request, "session"):
        lesson_progress_merge_session(user=user, session=request.session)


# Content is loaded at release, but an admin may still save or delete a row the cached pages are built from.
# (Bulk .update() sends no signal: load_content bumps the version itself for those.)
CONTENT_MODELS = ("courses.Course", "courses.Lesson", "courses.GlossaryTerm", "quizzes.Quiz", "labs.Lab")


def bump_content_version(sender, **kwargs) -> None:
    content_version_bump()


for model in CONTENT_MODELS:
    post_save.connect(bump_content_version, sender=model, dispatch_uid=f"content-version-save-{model}")
    post_delete.connect(bump_content_version, sender=model, dispatch_uid=f"content-version-delete-{model}")


def reading_progress_changed(sender, instance, **kwargs) -> None:
    reader_changed(instance.user_id)


post_save.connect(reading_progress_changed, sender="courses.LessonProgress", dispatch_uid="reader-progress-save")
post_delete.connect(reading_progress_changed, sender="courses.LessonProgress", dispatch_uid="reader-progress-delete")
