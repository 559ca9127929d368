from collections import Counter

import pytest
from django.forms.models import model_to_dict

from courses.content.errors import ContentError
from quizzes.models import Attempt, Question, QuestionVersion, Quiz
from tests.quizzes.conftest import every_type_quiz

pytestmark = pytest.mark.django_db

LESSON_QUIZZES = [
    "history",
    "codebase",
    "dependencies",
    "config",
    "backing-services",
    "build-release-run",
    "processes",
    "port-binding",
    "concurrency",
    "disposability",
    "dev-prod-parity",
    "logs",
    "admin-processes",
]


def test_content_quizzes_follow_the_rules(content_course):
    quizzes = {quiz.slug: quiz for quiz in Quiz.objects.published().filter(course=content_course)}
    assert set(quizzes) == {*LESSON_QUIZZES, "final"}
    for slug in LESSON_QUIZZES:
        quiz = quizzes[slug]
        assert quiz.lesson.slug == slug
        types = Counter(q.current_version.type for q in quiz.questions.published().select_related("current_version"))
        assert sum(types.values()) >= 8, slug
        assert len(types) >= 4, slug
        if 1 <= quiz.lesson.factor <= 12:
            assert types["spot"] >= 1, slug
    final = quizzes["final"]
    assert final.lesson is None
    assert final.feedback == Quiz.Feedback.AFTER_SUBMIT
    factors = Counter(q.current_version.factor for q in final.questions.published().select_related("current_version"))
    assert sum(factors.values()) >= 60
    assert set(factors) == set(range(1, 13))


def snapshot() -> list[dict]:
    rows = []
    for model in (Quiz, Question, QuestionVersion):
        rows += [model_to_dict(obj) | {"model": model.__name__} for obj in model.objects.order_by("pk")]
    rows += [{"created": v.created_at} for v in QuestionVersion.objects.order_by("pk")]
    return rows


def test_loading_twice_changes_nothing(quiz_dir, django_assert_max_num_queries):
    every_type_quiz(quiz_dir)
    before = snapshot()
    quiz_dir.load()
    assert snapshot() == before


def test_editing_a_question_creates_a_version_and_keeps_the_old_one(quiz_dir, learner):
    quiz = every_type_quiz(quiz_dir)
    question = quiz.questions.get(key="pick-one")
    old = question.current_version
    path = quiz_dir.root / "quizzes" / "config.yaml"
    path.write_text(path.read_text().replace("Where does config live?", "Where should config live?"))
    quiz_dir.load()

    question.refresh_from_db()
    assert question.current_version != old
    assert question.versions.count() == 2
    assert QuestionVersion.objects.get(pk=old.pk).definition["prompt"] == "Where does config live?"
    # Other questions did not change, so they keep their version.
    assert quiz.questions.get(key="pick-many").versions.count() == 1


EXTRA = """  - id: extra
    type: true_false
    prompt: "An extra question."
    answer: true
    explanation: "."
    lesson: config#the-rule
"""


def test_removed_questions_and_quizzes_are_unpublished_not_deleted(quiz_dir, learner):
    from quizzes.services import attempt_start

    quiz = every_type_quiz(quiz_dir)
    path = quiz_dir.root / "quizzes" / "config.yaml"
    text = path.read_text()
    path.write_text(text + EXTRA)
    quiz_dir.load()
    attempt = attempt_start(user=learner, quiz=quiz)
    assert attempt.items.count() == 9
    path.write_text(text)
    quiz_dir.load()
    assert not quiz.questions.get(key="extra").published
    assert quiz.questions.published().count() == 8

    quiz_dir.remove("config.yaml")
    quiz_dir.load()
    quiz.refresh_from_db()
    assert not quiz.published
    assert Attempt.objects.filter(pk=attempt.pk).exists()
    assert attempt.items.count() == 9


def test_all_problems_are_reported_with_file_line_and_question_id(quiz_dir):
    quiz_dir.write(
        "config.yaml",
        """
        title: "Check: Config"
        lesson: config
        policy:
          pass_mark: 170
          counts: worst
        questions:
          - id: good-one
            type: single
            prompt: "?"
            options:
              - {text: "a", correct: true}
              - {text: "b", correct: true}
            explanation: "."
            lesson: config#why-it-matters
          - id: bad-anchor
            type: true_false
            prompt: "?"
            answer: yes
            explanation: "."
            lesson: config#no-such-heading
          - id: bad-spot
            type: spot
            prompt: "?"
            language: no-such-language
            code: |
              web: gunicorn app
            violations: [3]
            explanation: "."
            lesson: missing-lesson#x
          - id: bad-anchor
            type: essay
            prompt: "?"
        """,
    )
    with pytest.raises(ContentError) as raised:
        quiz_dir.load()
    problems = [str(p) for p in raised.value.problems]
    text = "\n".join(problems)
    assert all(p.startswith(str(quiz_dir.root / "quizzes" / "config.yaml") + ":") for p in problems), text
    assert "policy: pass_mark must be" in text
    assert "policy: counts must be best or last" in text
    assert ":10: question 'good-one': a single-choice question has exactly one correct option" in text
    assert ":20: question 'bad-anchor': anchor #no-such-heading does not exist in lesson 'config'" in text
    assert "question 'bad-spot': language 'no-such-language' is not a Pygments lexer" in text
    assert "question 'bad-spot': line 3 is outside the snippet (1-1)" in text
    assert "question 'bad-spot': lesson 'missing-lesson' does not exist" in text
    assert "duplicate id (first used on line 15)" in text
    assert "a lesson quiz needs at least 8 questions" in text
    assert not Quiz.objects.filter(course=quiz_dir.course).exists()  # nothing was written


def test_question_line_points_at_the_question(quiz_dir):
    quiz_dir.write(
        "config.yaml",
        """
        title: "Check"
        lesson: config
        questions:
          - id: fine
            type: true_false
            prompt: "?"
            answer: true
            explanation: "."
            lesson: config#why-it-matters
          - id: broken
            type: number
            prompt: "?"
            answer: "thirty"
            explanation: "."
            lesson: config#why-it-matters
        """,
    )
    with pytest.raises(ContentError) as raised:
        quiz_dir.load()
    assert any(
        p.line == 13 and "question 'broken': answer must be a number" in p.message for p in raised.value.problems
    )


def test_final_bank_needs_a_factor_per_question(quiz_dir):
    quiz_dir.write(
        "final.yaml",
        """
        title: "Final"
        questions:
          - id: no-factor
            type: true_false
            prompt: "?"
            answer: true
            explanation: "."
            lesson: config#why-it-matters
        """,
    )
    with pytest.raises(ContentError) as raised:
        quiz_dir.load()
    messages = [p.message for p in raised.value.problems]
    assert "question 'no-factor': every question in the final bank needs `factor:` 1-12" in messages
    assert "the final bank needs at least 60 questions, has 1" in messages
