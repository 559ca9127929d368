"""The question-type registry: every type carries all five steps, the model's choices follow it, and the loader,
the graders, the answer parser and the page all reach a type only through it."""

import dataclasses

import pytest
from django.http import QueryDict
from django.template.loader import get_template

from quizzes import graders, loader, responses
from quizzes.models import QuestionVersion
from quizzes.types import REGISTRY, question_type, register
from quizzes.types.base import ParsedAnswer, QuestionType, TamperedAnswer

STEPS = ("validate", "render", "parse", "grade", "present")


def test_the_eight_types_of_the_design_are_registered_with_every_step():
    assert set(REGISTRY) == {"single", "multiple", "true_false", "ordering", "matching", "short_text", "number", "spot"}
    for key, kind in REGISTRY.items():
        assert kind.key == key and kind.name and kind.label
        assert all(callable(getattr(kind, step)) for step in STEPS), key
        get_template(kind.template)  # raises if the type has no template


def test_the_model_choices_are_the_registry():
    assert QuestionVersion.Type.values == list(REGISTRY)
    assert QuestionVersion.Type.SPOT.label == "Spot the violation"
    assert QuestionVersion._meta.get_field("type").choices == QuestionVersion.Type.choices


def test_a_type_registered_twice_is_refused():
    with pytest.raises(ValueError, match="registered twice"):
        register(question_type("single"))


@pytest.fixture
def ninth_type():
    """A new type, registered the way a module under quizzes/types/ registers one, removed afterwards."""
    seen = []

    def validate(question, report):
        if question.get("answer") not in {"yes", "no"}:
            report("answer", "answer must be yes or no")

    def parse(*, attempt, version, data):
        value = data.get("answer")
        if value not in {"yes", "no"}:
            raise TamperedAnswer("yes_no answer")
        return ParsedAnswer({"answer": value}, value)

    kind = QuestionType(
        key="yes_no",
        name="Yes or no",
        label="Answer yes or no",
        fields=frozenset({"answer"}),
        validate=validate,
        render=lambda definition: {"choices": ["Yes", "No"]},
        parse=parse,
        grade=lambda definition, response: 1.0 if response == definition["answer"] else 0.0,
        present=lambda view, shown: seen.append(shown.response),
    )
    register(kind)
    yield kind
    del REGISTRY["yes_no"]


def test_a_ninth_type_is_reached_through_the_registry_alone(ninth_type):
    definition = {"type": "yes_no", "prompt": "Is config in the env?", "explanation": "Yes.", "answer": "yes"}
    assert loader.render_question(definition)["choices"] == ["Yes", "No"]
    assert graders.grade(definition, "yes") == 1.0 and graders.grade(definition, "no") == 0.0
    version = QuestionVersion(type="yes_no", definition=definition)
    parsed = responses.parse_answer(attempt=None, version=version, data=QueryDict("answer=no"))
    assert parsed.response == "no"
    problems = []
    question_type("yes_no").validate({"answer": "maybe"}, lambda field, message: problems.append((field, message)))
    assert problems == [("answer", "answer must be yes or no")]


def test_an_unknown_type_is_a_tampered_answer():
    version = QuestionVersion(type="essay", definition={})
    with pytest.raises(TamperedAnswer):
        responses.parse_answer(attempt=None, version=version, data=QueryDict(""))


def test_entries_are_immutable():
    with pytest.raises(dataclasses.FrozenInstanceError):
        question_type("single").label = "changed"
