"""The home page lists a learner's assignments, and config.reader_pages caches it: a learner's own assignment
changes their pages; an assessment's title, deadline or parts change those of everyone assigned it."""

from django.db.models.signals import post_delete, post_save

from config.reader_pages import generation_bump, reader_changed, register_shared_generation

ASSESSMENTS_GENERATION_KEY = "teams:assessments-generation"


def assignment_changed(sender, instance, **kwargs) -> None:
    reader_changed(instance.user_id)


def assessments_changed(*args, **kwargs) -> None:
    generation_bump(ASSESSMENTS_GENERATION_KEY)


def connect() -> None:
    register_shared_generation(ASSESSMENTS_GENERATION_KEY)
    post_save.connect(assignment_changed, sender="teams.Assignment", dispatch_uid="reader-assignment-save")
    post_delete.connect(assignment_changed, sender="teams.Assignment", dispatch_uid="reader-assignment-delete")
    for model in ("teams.Assessment", "teams.AssessmentQuiz", "teams.Organisation"):
        post_save.connect(assessments_changed, sender=model, dispatch_uid=f"reader-save-{model}")
        post_delete.connect(assessments_changed, sender=model, dispatch_uid=f"reader-delete-{model}")
