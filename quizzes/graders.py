"""Grading: the credit (0 to 1) a response earns, by the rule of the question's type (quizzes/types/<type>.py).

Each rule takes the question's definition (the dict loaded from the quiz file) and the learner's response in
canonical form (option, item and line indices, never the opaque ids shown in the page). Nothing here touches the
database or the request, so the rules are tested directly.
"""

from typing import Any

from quizzes.types import question_type
from quizzes.types.base import Definition


def grade(definition: Definition, response: Any) -> float:
    return question_type(definition["type"]).grade(definition, response)
