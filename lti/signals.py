"""Scores recorded by the core apps, heard through Django's own model signals (the core apps import nothing of
ours): a submitted quiz attempt, a lab's scorecard."""

from __future__ import annotations

from django.db.models.signals import post_save

from lti.grades import score_record


def quiz_attempt_saved(sender, instance, created, update_fields=None, **kwargs) -> None:
    # quizzes.services.attempt_submit sets submitted_at and the score once; other saves are not a new score.
    if instance.submitted_at is None or instance.score is None or instance.scope:
        return
    if update_fields is not None and "submitted_at" not in update_fields:
        return
    score_record(
        user=instance.user,
        item_key=f"quiz:{instance.quiz_id}",
        score=instance.score,
        source=f"quiz-attempt:{instance.pk}",
        recorded_at=instance.submitted_at,
    )


def lab_scorecard_saved(sender, instance, created, **kwargs) -> None:
    if not created or (instance.error and not instance.checks):
        return  # a scorecard without checks is our error, not the learner's score
    submission = instance.submission
    score_record(
        user=submission.user,
        item_key=f"lab:{submission.lab_id}",
        score=float(instance.score),
        source=f"lab-submission:{submission.pk}",
        recorded_at=instance.created_at,
    )


def connect() -> None:
    from labs.models import Scorecard
    from quizzes.models import Attempt

    post_save.connect(quiz_attempt_saved, sender=Attempt, dispatch_uid="lti-quiz-attempt-score")
    post_save.connect(lab_scorecard_saved, sender=Scorecard, dispatch_uid="lti-lab-scorecard-score")
