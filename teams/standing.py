"""Where one person stands on one assignment: each part's score, the overall score and the status.

`status_of` is a pure function of those facts and the clock, so the report, the learner's page, the reminders and the
tests agree on what "due soon" or "failed" means.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.db.models import Count, Max, Q
from django.utils import timezone

from labs.models import Submission
from quizzes.models import Attempt
from teams.models import Assessment, AssessmentQuiz, Assignment

DUE_SOON = timedelta(hours=48)


class Status:
    PASSED = "passed"
    FAILED = "failed"
    OVERDUE = "overdue"
    DUE_SOON = "due_soon"
    ON_TIME = "on_time"
    AWAITING = "awaiting"  # what a learner sees instead of passed/failed while the policy hides results

    LABELS = {
        AWAITING: "Results after the deadline",
        PASSED: "Passed",
        FAILED: "Failed",
        OVERDUE: "Overdue",
        DUE_SOON: "Due soon",
        ON_TIME: "On time",
    }


@dataclass
class Part:
    kind: str  # "quiz" or "lab"
    pk: int  # AssessmentQuiz pk or Lab pk
    title: str
    score: float | None = None
    attempts_used: int = 0
    attempts_left: int | None = None  # None: unlimited (or a lab)
    open_attempt: int | None = None  # the number of the attempt in progress
    url: str = ""
    questions: int | None = None  # per attempt; filled for the learner's page


@dataclass
class Progress:
    assignment: Assignment
    parts: list[Part] = field(default_factory=list)
    score: float | None = None
    passed: bool = False
    status: str = Status.ON_TIME

    @property
    def status_label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def complete(self) -> bool:
        return all(part.score is not None for part in self.parts)


def status_of(*, passed: bool, complete: bool, can_improve: bool, deadline: datetime, now: datetime) -> str:
    if passed:
        return Status.PASSED
    if complete and (not can_improve or now >= deadline):
        return Status.FAILED
    if now >= deadline:
        return Status.OVERDUE
    if deadline - now <= DUE_SOON:
        return Status.DUE_SOON
    return Status.ON_TIME


def overall_score(scores: list[float | None]) -> float | None:
    known = [score for score in scores if score is not None]
    if not scores or len(known) < len(scores):
        return None
    return round(sum(known) / len(known), 1)


def quiz_parts(assessment: Assessment) -> list[AssessmentQuiz]:
    return list(assessment.parts.select_related("quiz__course"))


def progress_for(
    assignments: list[Assignment], *, assessment: Assessment, now: datetime | None = None
) -> list[Progress]:
    """Progress of many people on one assessment, in a fixed number of queries."""
    now = now or timezone.now()
    parts = quiz_parts(assessment)
    labs = list(assessment.labs.select_related("course"))
    users = [a.user_id for a in assignments]
    quiz_rows = (
        Attempt.objects.filter(scope=assessment.scope, user_id__in=users, quiz__in=[p.quiz_id for p in parts])
        .values("user_id", "quiz_id")
        .annotate(
            best=Max("score"),
            used=Count("pk"),
            open_number=Max("number", filter=Q(submitted_at__isnull=True)),
        )
    )
    quiz_stats = {(row["user_id"], row["quiz_id"]): row for row in quiz_rows}
    lab_rows = (
        Submission.objects.filter(
            user_id__in=users, lab__in=labs, scorecard__isnull=False, created_at__lte=assessment.deadline
        )
        .values("user_id", "lab_id")
        .annotate(best=Max("scorecard__score"))
    )
    lab_best = {(row["user_id"], row["lab_id"]): row["best"] for row in lab_rows}
    allowed = assessment.attempts_allowed
    results = []
    for assignment in assignments:
        progress = Progress(assignment=assignment)
        can_improve = False
        for part in parts:
            stats = quiz_stats.get((assignment.user_id, part.quiz_id), {})
            used = stats.get("used", 0)
            left = max(allowed - used, 0) if allowed else None
            open_number = stats.get("open_number")
            can_improve = can_improve or open_number is not None or left is None or left > 0
            progress.parts.append(
                Part(
                    kind="quiz",
                    pk=part.pk,
                    title=part.quiz.title,
                    score=stats.get("best"),
                    attempts_used=used,
                    attempts_left=left,
                    open_attempt=open_number,
                )
            )
        for lab in labs:
            can_improve = True  # a lab can always be resubmitted before the deadline
            progress.parts.append(
                Part(
                    kind="lab",
                    pk=lab.pk,
                    title=lab.title,
                    score=lab_best.get((assignment.user_id, lab.pk)),
                    url=lab.get_absolute_url(),
                )
            )
        progress.score = overall_score([part.score for part in progress.parts])
        progress.passed = assignment.passed_at is not None or (
            progress.score is not None and progress.score >= assessment.pass_mark
        )
        progress.status = status_of(
            passed=progress.passed,
            complete=progress.complete,
            can_improve=can_improve,
            deadline=assessment.deadline,
            now=now,
        )
        results.append(progress)
    return results


def progress_of(assignment: Assignment, *, now: datetime | None = None) -> Progress:
    return progress_for([assignment], assessment=assignment.assessment, now=now)[0]


def results_visible(assessment: Assessment, *, now: datetime | None = None) -> bool:
    """Whether the learner may see scores yet, under the assessment's feedback policy."""
    if assessment.feedback == Assessment.Feedback.AFTER_SUBMIT:
        return True
    return (now or timezone.now()) >= assessment.deadline


def for_learner(progress: Progress, *, visible: bool) -> Progress:
    """Hide the outcome and every score from the learner while the assessment's feedback policy says so."""
    if visible:
        return progress
    if progress.status in (Status.PASSED, Status.FAILED):
        progress.status = Status.AWAITING
    progress.score = None
    for part in progress.parts:
        part.score = None
    return progress
