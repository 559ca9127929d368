"""Opaque per-attempt ids and orders for what a question shows (options, items, pairs).

The page never carries an index from the quiz file: each option is named by an HMAC of the attempt's seed, the
question version and the option's index, and shown in an order shuffled from the same seed. Both are recomputed
from the stored seed on every request, so nothing about them is kept in the session or in process memory.
"""

from __future__ import annotations

import random
from typing import TYPE_CHECKING

from django.utils.crypto import salted_hmac

if TYPE_CHECKING:  # the question types use these helpers, and the models read the question types
    from quizzes.models import Attempt, QuestionVersion

SALT = "quizzes.tokens"


def token(attempt: Attempt, version: QuestionVersion, kind: str, index: int) -> str:
    return salted_hmac(SALT, f"{attempt.seed}:{version.pk}:{kind}:{index}").hexdigest()[:16]


def tokens(attempt: Attempt, version: QuestionVersion, kind: str, size: int) -> list[str]:
    return [token(attempt, version, kind, index) for index in range(size)]


def shuffled(
    attempt: Attempt, version: QuestionVersion, kind: str, size: int, *, avoid_identity: bool = False
) -> list[int]:
    """Indices 0..size-1 in this attempt's order. `avoid_identity` for orders that would otherwise give the answer away
    (the items of an ordering question, the right-hand side of a matching question)."""
    order = list(range(size))
    random.Random(f"{attempt.seed}:{version.pk}:{kind}").shuffle(order)
    if avoid_identity and size > 1 and order == list(range(size)):
        order = order[1:] + order[:1]
    return order
