"""Turn a posted answer form (opaque ids) into the canonical response the graders take (indices).

A value the page could not have produced (an unknown id, a position out of range) is a tampered post and raises
TamperedAnswer; an answer the learner left incomplete raises IncompleteAnswer with a message to show them. Each
type's own parsing is its `parse` step (quizzes/types/<type>.py).
"""

from django.http import QueryDict

from quizzes.models import Attempt, QuestionVersion
from quizzes.types import REGISTRY
from quizzes.types.base import IncompleteAnswer, ParsedAnswer, TamperedAnswer

__all__ = ["IncompleteAnswer", "ParsedAnswer", "TamperedAnswer", "parse_answer"]


def parse_answer(*, attempt: Attempt, version: QuestionVersion, data: QueryDict) -> ParsedAnswer:
    kind = REGISTRY.get(version.type)
    if kind is None:
        raise TamperedAnswer(f"unknown question type {version.type}")
    return kind.parse(attempt=attempt, version=version, data=data)
