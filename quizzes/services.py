"""Writes: starting attempts, saving answers, submitting (scoring) attempts."""

import json
import random
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from config import rate_limits
from quizzes import graders
from quizzes.models import Answer, Attempt, AttemptItem, QuestionVersion, Quiz


class AttemptLimitReached(Exception):
    pass


class AttemptWindowClosed(Exception):
    """The policy's closing time (an assessment's deadline) has passed: no new attempt."""


class AttemptClosed(Exception):
    """The attempt was submitted or its time ran out: answers can no longer change."""


@dataclass(frozen=True)
class SaveResult:
    answer: Answer
    changed: bool
    locked: bool  # the learner tried to change an answer whose feedback they have already seen
    answered: frozenset[int]  # the ids of the attempt's answered items once this answer was saved


def draw_versions(
    *, quiz: Quiz, seed: str, per_factor: int | None = None, shuffle: bool | None = None
) -> list[QuestionVersion]:
    """The attempt's questions: the whole quiz, or `per_factor` per factor; in the quiz's order or shuffled.
    `None` for either follows the quiz's own setting; 0 draws the whole quiz."""
    per_factor = per_factor if per_factor is not None else quiz.draw_per_factor
    shuffle = shuffle if shuffle is not None else quiz.shuffle_questions
    versions = list(
        QuestionVersion.objects.filter(current_of__quiz=quiz, current_of__published=True).order_by("current_of__order")
    )
    rng = random.Random(seed)
    if per_factor:
        by_factor: dict[int | None, list[QuestionVersion]] = {}
        for version in versions:
            by_factor.setdefault(version.factor, []).append(version)
        drawn = {v.pk for group in by_factor.values() for v in rng.sample(group, min(per_factor, len(group)))}
        versions = [v for v in versions if v.pk in drawn]
    if shuffle:
        rng.shuffle(versions)
    return versions


@dataclass(frozen=True)
class AttemptPolicy:
    """Overrides of the quiz's own policy for attempts taken in a scope (an assessment sets its own rules)."""

    draw_per_factor: int | None = None  # None: the quiz's own draw; 0: the whole quiz
    shuffle_questions: bool | None = None
    attempts_allowed: int = 0
    time_limit_minutes: int | None = None
    closes_at: datetime | None = None  # the attempt ends no later than this


def attempt_start(*, user, quiz: Quiz, scope: str = "", policy: AttemptPolicy | None = None) -> Attempt:
    """Return the learner's attempt in progress (in this scope), or open a new one with its questions drawn and
    ordered. Without a policy the quiz's own attempt limit, time limit and draw apply."""
    attempts = Attempt.objects.filter(user=user, quiz=quiz, scope=scope)
    existing = attempts.filter(submitted_at__isnull=True).first()
    if existing is not None:
        return existing
    if policy is None:
        policy = AttemptPolicy(
            draw_per_factor=quiz.draw_per_factor,
            attempts_allowed=quiz.attempts_allowed,
            time_limit_minutes=quiz.time_limit_minutes,
        )
    done = attempts.count()
    if policy.attempts_allowed and done >= policy.attempts_allowed:
        raise AttemptLimitReached
    seed = secrets.token_hex(16)
    now = timezone.now()
    deadline = now + timedelta(minutes=policy.time_limit_minutes) if policy.time_limit_minutes else None
    if policy.closes_at is not None:
        if policy.closes_at <= now:
            raise AttemptWindowClosed
        deadline = min(deadline, policy.closes_at) if deadline else policy.closes_at
    draw = draw_versions(quiz=quiz, seed=seed, per_factor=policy.draw_per_factor, shuffle=policy.shuffle_questions)
    try:
        with transaction.atomic():
            attempt = Attempt.objects.create(
                user=user, quiz=quiz, scope=scope, number=done + 1, seed=seed, deadline=deadline
            )
            AttemptItem.objects.bulk_create(
                AttemptItem(attempt=attempt, version=version, position=position)
                for position, version in enumerate(draw, start=1)
            )
    except IntegrityError:
        # A concurrent request (a double click) opened it first.
        return attempts.get(submitted_at__isnull=True)
    return attempt


def attempt_is_open(attempt: Attempt, now: datetime | None = None) -> bool:
    return attempt.submitted_at is None and (attempt.deadline is None or (now or timezone.now()) < attempt.deadline)


def answer_save(*, attempt: Attempt, item: AttemptItem, given: dict[str, Any], response: Any) -> SaveResult:
    """Save (and grade) one answer as it is given, and read which items of the attempt are answered once it is saved.

    Posting the same answer again changes nothing. Under immediate feedback the first answer is final, since the
    learner has seen the key; under after-submit feedback the answer can change until the attempt is submitted.
    Every write first locks the attempt's row and checks it is still open, so it cannot slip in after the attempt is
    scored (attempt_submit holds the same lock). Since every answer write holds that lock, the answered items read
    under it are exactly those saved so far, this one and any other request saved a moment before included.
    """
    if not attempt_is_open(attempt):
        raise AttemptClosed
    credit = graders.grade(item.version.definition, response)
    # Scoped attempts (assessments) show no feedback while open, so their answers may change until submitted.
    changeable = attempt.quiz.feedback != Quiz.Feedback.IMMEDIATE or bool(attempt.scope)
    save = _answer_save_postgresql if connection.vendor == "postgresql" else _answer_save_portable
    return save(attempt=attempt, item=item, given=given, response=response, credit=credit, changeable=changeable)


def _answer_save_portable(
    *, attempt: Attempt, item: AttemptItem, given: dict[str, Any], response: Any, credit: float, changeable: bool
) -> SaveResult:
    with transaction.atomic():
        lock_open_attempt(attempt)
        existing = Answer.objects.filter(attempt=attempt, item=item).first()
        changed = locked = False
        if existing is None:
            existing = Answer.objects.create(attempt=attempt, item=item, given=given, response=response, credit=credit)
            changed = True
        elif existing.response == response:
            pass
        elif not changeable:
            locked = True
        else:
            Answer.objects.filter(pk=existing.pk).update(
                given=given, response=response, credit=credit, updated_at=timezone.now()
            )
            existing.given, existing.response, existing.credit = given, response, credit
            changed = True
        answered = frozenset(Answer.objects.filter(attempt=attempt).values_list("item_id", flat=True))
    return SaveResult(existing, changed=changed, locked=locked, answered=answered)


# `_answer_save_portable` in one round trip, the answer path's hot spot: five statements sent as one message run as
# one implicit transaction (PostgreSQL's simple query protocol, which Django's client-side binding cursor uses), so
# no BEGIN and COMMIT of their own, and no ORM compiling four queries per answer. Each statement takes its own
# snapshot (READ COMMITTED), so the ones after the lock see every answer committed before it was granted.
# The writes repeat the lock's open check: the first statement only locks, Python reads its result afterwards.
_OPEN = (
    "EXISTS (SELECT FROM quizzes_attempt WHERE id = %(attempt)s AND submitted_at IS NULL"
    " AND (deadline IS NULL OR deadline > %(now)s))"
)
_ANSWER_SAVE_SQL = f"""
SELECT submitted_at, deadline FROM quizzes_attempt WHERE id = %(attempt)s FOR UPDATE;
UPDATE quizzes_answer SET given = %(given)s::jsonb, response = %(response)s::jsonb, credit = %(credit)s,
    updated_at = %(now)s
WHERE attempt_id = %(attempt)s AND item_id = %(item)s AND %(changeable)s AND response <> %(response)s::jsonb
    AND {_OPEN};
INSERT INTO quizzes_answer (attempt_id, item_id, given, response, credit, answered_at, updated_at)
SELECT %(attempt)s, %(item)s, %(given)s::jsonb, %(response)s::jsonb, %(credit)s, %(now)s, %(now)s
WHERE NOT EXISTS (SELECT FROM quizzes_answer WHERE attempt_id = %(attempt)s AND item_id = %(item)s) AND {_OPEN};
SELECT id, given, response, credit FROM quizzes_answer WHERE attempt_id = %(attempt)s AND item_id = %(item)s;
SELECT item_id FROM quizzes_answer WHERE attempt_id = %(attempt)s
"""


def _answer_save_postgresql(
    *, attempt: Attempt, item: AttemptItem, given: dict[str, Any], response: Any, credit: float, changeable: bool
) -> SaveResult:
    now = timezone.now()
    params: dict[str, Any] = {
        "attempt": attempt.pk,
        "item": item.pk,
        "given": json.dumps(given),
        "response": json.dumps(response),
        "credit": credit,
        "changeable": changeable,
        "now": now,
    }
    with connection.cursor() as cursor:
        cursor.execute(_ANSWER_SAVE_SQL, params)
        current = cursor.fetchone()
        cursor.nextset()
        changed = cursor.rowcount > 0
        cursor.nextset()
        changed = changed or cursor.rowcount > 0
        cursor.nextset()
        row = cursor.fetchone()
        cursor.nextset()
        answered = frozenset(item_id for (item_id,) in cursor.fetchall())
    if current is None or not attempt_is_open(Attempt(submitted_at=current[0], deadline=current[1]), now):
        raise AttemptClosed  # the writes were conditional on the same check: nothing was saved
    answer_id, saved_given, saved_response, saved_credit = row
    saved = Answer(
        pk=answer_id,
        attempt=attempt,
        item=item,
        given=json.loads(saved_given),
        response=json.loads(saved_response),
        credit=saved_credit,
    )
    return SaveResult(saved, changed=changed, locked=not changed and saved.response != response, answered=answered)


def lock_open_attempt(attempt: Attempt) -> None:
    """Lock the attempt's row for the rest of the transaction, or raise AttemptClosed: a submit scoring it at the
    same moment (attempt_submit holds the same lock) either counts this answer or makes this refuse it."""
    current = Attempt.objects.select_for_update().filter(pk=attempt.pk).values("submitted_at", "deadline").get()
    if not attempt_is_open(Attempt(**current)):
        raise AttemptClosed


@transaction.atomic
def attempt_submit(*, attempt: Attempt) -> Attempt:
    """Score the attempt once. A second submit (or a submit racing the first) returns the stored score unchanged."""
    locked = Attempt.objects.select_for_update().select_related("quiz").get(pk=attempt.pk)
    if locked.submitted_at is not None:
        return locked
    items = list(locked.items.select_related("version"))
    # Locking the answers too makes an answer update that got in first finish before they are read.
    answers = {answer.item_id: answer for answer in Answer.objects.select_for_update().filter(attempt=locked)}
    earned = 0.0
    possible = 0
    for item in items:
        possible += item.version.points
        answer = answers.get(item.pk)
        if answer is not None:
            # The version is immutable, so this equals the credit stored when the answer was saved.
            earned += graders.grade(item.version.definition, answer.response) * item.version.points
    locked.points_earned = round(earned, 4)
    locked.points_possible = possible
    locked.score = round(100 * earned / possible, 1) if possible else 0.0
    locked.passed = locked.score >= locked.quiz.pass_mark
    locked.submitted_at = timezone.now()
    locked.save(update_fields=["points_earned", "points_possible", "score", "passed", "submitted_at"])
    return locked


def answer_rate_allowed(*, user_id: int) -> bool:
    """At most QUIZ_ANSWERS_PER_MINUTE answers a minute per learner (the site's one limiter, config.rate_limits)."""
    return rate_limits.hit(
        scope="quiz-answers", key=str(user_id), limit=settings.QUIZ_ANSWERS_PER_MINUTE, window_seconds=60
    ).allowed
