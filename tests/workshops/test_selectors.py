import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone

from labs.models import Lab, Submission
from quizzes import services as quiz_services
from quizzes.models import Answer, Quiz
from tests.factories import LessonProgressFactory, ScorecardFactory, SubmissionFactory, UserFactory
from workshops import reports, room, selectors, services

pytestmark = pytest.mark.django_db


def test_cohort_for_instructor_hides_other_instructors_cohorts(cohort, other_instructor, instructor, learner):
    assert selectors.cohort_for_instructor(user=instructor, public_id=cohort.public_id) == cohort
    with pytest.raises(Http404):
        selectors.cohort_for_instructor(user=other_instructor, public_id=cohort.public_id)
    with pytest.raises(PermissionDenied):
        selectors.cohort_for_instructor(user=learner, public_id=cohort.public_id)


def test_locks_apply_only_to_members_of_a_cohort_on_that_course(cohort, learner):
    services.lock_set(cohort=cohort, kind="lesson", slug="config", locked=True)
    services.lock_set(cohort=cohort, kind="lab", slug="audit", locked=True)
    outsider = UserFactory(username="outsider")
    assert selectors.locked_items(user=learner, course=cohort.course) == set()
    services.cohort_join(cohort=cohort, user=learner)
    assert selectors.locked_items(user=learner, course=cohort.course) == {("lesson", "config"), ("lab", "audit")}
    assert selectors.locked_items(user=outsider, course=cohort.course) == set()
    assert selectors.item_locked(user=learner, course=cohort.course, kind="lesson", slug="config")
    assert not selectors.item_locked(user=learner, course=cohort.course, kind="lesson", slug="codebase")
    pacing = selectors.course_pacing(user=learner, course=cohort.course)
    assert pacing.member and pacing.lessons == {"config"} and pacing.labs == {"audit"} and pacing.quizzes == set()
    assert not selectors.course_pacing(user=outsider, course=cohort.course).member


def test_course_items_lists_lessons_quizzes_and_labs_with_factor_numerals(cohort):
    items = selectors.course_items(course=cohort.course)
    kinds = [item.kind for item in items]
    assert kinds == sorted(kinds, key=["lesson", "quiz", "lab"].index)
    assert items[0].key == "lesson:history" and items[0].kind_label == "Lesson"
    short = {item.key: item.short for item in items}
    lessons = [item.short for item in items if item.kind == "lesson"]
    assert lessons == ["History", "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "Summary"]
    assert short["quiz:config"] == "III" and short["quiz:history"] == "History" and short["quiz:final"] == "Final"
    assert short["lab:port-binding-and-logs"] == "VII+XI" and short["lab:audit"] == "Audit"
    assert {item.title for item in items if item.short == "III"} == {"III. Config", "Check: III. Config"}


def graded_submission(user, lab: Lab, score: int, checks: list[dict]) -> Submission:
    status = Submission.Status.PASSED if score >= lab.pass_mark else Submission.Status.FAILED
    submission = SubmissionFactory(user=user, lab=lab, status=status, finished_at=timezone.now())
    ScorecardFactory(submission=submission, score=score, passed=score >= lab.pass_mark, checks=checks)
    return submission


def test_room_grid_shows_done_in_progress_scores_and_stuck(cohort):
    ada = UserFactory(username="ada")
    bob = UserFactory(username="bob")
    for user in (ada, bob):
        services.cohort_join(cohort=cohort, user=user)
    cohort.memberships.filter(user=bob).update(joined_at=timezone.now() - datetime.timedelta(minutes=30))
    lesson = cohort.course.lessons.get(slug="codebase")
    LessonProgressFactory(user=ada, lesson=lesson, completed_at=timezone.now())
    quiz_services.attempt_start(user=ada, quiz=Quiz.objects.get(course=cohort.course, slug="codebase"))
    graded_submission(ada, Lab.objects.get(course=cohort.course, slug="audit"), 85, [])

    grid = room.room_grid(cohort=cohort, sort="progress", stuck_minutes=10)
    assert [row.name for row in grid.rows] == ["ada", "bob"]
    ada_row, bob_row = grid.rows
    assert ada_row.cells["lesson:codebase"].state == "done"
    assert ada_row.cells["quiz:codebase"].state == "progress"
    assert ada_row.cells["lab:audit"].score == 85 and ada_row.cells["lab:audit"].label == "85%"
    assert ada_row.done_count == 2
    assert not ada_row.stuck and bob_row.stuck

    stuck = room.room_grid(cohort=cohort, stuck_only=True, item="lesson:codebase")
    assert [row.name for row in stuck.rows] == ["bob"]
    assert [c.key for c in stuck.columns] == ["lesson:codebase"] and len(stuck.rows[0].shown) == 1
    assert room.room_grid(cohort=cohort, sort="name", item="nonsense").item == ""


def test_gradebook_has_a_row_per_learner_with_best_scores_and_the_mean_of_graded_items(cohort):
    ada = UserFactory(username="ada")
    services.cohort_join(cohort=cohort, user=ada)
    lab = Lab.objects.get(course=cohort.course, slug="audit")
    graded_submission(ada, lab, 40, [])
    graded_submission(ada, lab, 90, [])
    LessonProgressFactory(user=ada, lesson=cohort.course.lessons.get(slug="history"), completed_at=timezone.now())
    quiz = Quiz.objects.get(course=cohort.course, slug="codebase")
    attempt = quiz_services.attempt_start(user=ada, quiz=quiz)
    attempt.score, attempt.submitted_at = 75.0, timezone.now()
    attempt.save()

    header, rows = room.gradebook(cohort=cohort)
    assert header[:3] == ["learner", "username", "lessons_done"]
    assert header[-2:] == ["graded_items", "mean_of_graded_pct"]
    assert len(rows) == 1
    row = dict(zip(header, rows[0], strict=True))
    assert row["learner"] == "ada" and row["lessons_done"] == 1
    assert row["lab:audit"] == 90 and row["quiz:codebase"] == 75.0 and row["quiz:config"] == ""
    assert row["graded_items"] == 2 and row["mean_of_graded_pct"] == 82.5  # (90 + 75) / 2, not a sum of 165


def answer_first_attempt(user, quiz: Quiz, credits: dict[int, float], *, number_of_attempt: int = 1) -> None:
    """Start and submit an attempt whose questions, by the quiz's question order, earn the given credits."""
    attempt = quiz_services.attempt_start(user=user, quiz=quiz)
    for item in attempt.items.select_related("version__question"):
        order = list(quiz.questions.order_by("order").values_list("pk", flat=True)).index(item.version.question_id)
        credit = credits.get(order, 0.0)
        Answer.objects.create(attempt=attempt, item=item, given={}, response=[], credit=credit)
    attempt.submitted_at, attempt.score = timezone.now(), 0.0
    attempt.save()


def test_quiz_report_uses_first_attempts_only(cohort, django_user_model):
    """The worked example of test_analytics on a real quiz: questions 1 to 3 take the room's credits, the rest are
    all wrong (which scales every rest score by the same factor, so the correlations do not change)."""
    quiz = Quiz.objects.get(course=cohort.course, slug="codebase")
    room = {"a": [1, 1, 1], "b": [1, 0, 1], "c": [0, 1, 0], "d": [0, 0, 0]}
    cohort.seat_cap = 4
    cohort.save()
    for name, credits in room.items():
        user = UserFactory(username=name)
        services.cohort_join(cohort=cohort, user=user)
        answer_first_attempt(user, quiz, dict(enumerate(credits)))
    # A second attempt, all right, must not count.
    answer_first_attempt(django_user_model.objects.get(username="d"), quiz, dict.fromkeys(range(20), 1.0))

    [report] = reports.quiz_reports(cohort=cohort)
    assert report.quiz == quiz and report.attempts == 4
    first_three = report.questions[:3]
    assert [row.stats.facility for row in first_three] == [0.5, 0.5, 0.5]
    assert [round(row.stats.discrimination, 4) for row in first_three] == [0.7071, 0.0, 0.7071]
    assert report.questions[3].stats.facility == 0.0 and report.questions[3].stats.discrimination is None
    assert 'role="img"' in report.facility_chart


def test_lab_report_uses_each_learners_latest_graded_submission(cohort):
    lab = Lab.objects.get(course=cohort.course, slug="audit")
    fail = {"id": "config.no-secrets", "factor": 3, "status": "fail", "evidence": "SECRET_KEY in settings.py"}
    ok = {"id": "config.no-secrets", "factor": 3, "status": "pass", "evidence": "none found"}
    for name, checks in (("a", [fail]), ("b", [ok])):
        user = UserFactory(username=name)
        services.cohort_join(cohort=cohort, user=user)
        graded_submission(user, lab, 50, [fail] if name == "b" else [ok])  # earlier, superseded
        graded_submission(user, lab, 50, checks)
    [report] = reports.lab_reports(cohort=cohort)
    assert report.learners == 2
    [row] = report.checks
    assert row.stats.pass_rate == 0.5 and row.stats.top_failing_evidence == "SECRET_KEY in settings.py"
