"""The question-type registry: one module per type registers its steps here (validate, render, parse, grade,
present), the way labs.grading.checks registers checks. A new type is one module here, its template
(quizzes/templates/quizzes/types/<key>.html), and its name in MODULES."""

import importlib

from quizzes.types.base import QuestionType

REGISTRY: dict[str, QuestionType] = {}

MODULES = ("single", "multiple", "true_false", "ordering", "matching", "short_text", "number", "spot")


def register(question_type: QuestionType) -> QuestionType:
    if question_type.key in REGISTRY:
        raise ValueError(f"question type {question_type.key} registered twice")
    REGISTRY[question_type.key] = question_type
    return question_type


def question_type(key: str) -> QuestionType:
    """The registered type; KeyError for a name no module registered."""
    return REGISTRY[key]


for _module in MODULES:
    importlib.import_module(f"quizzes.types.{_module}")
