import textwrap
from pathlib import Path

import pytest
from django.contrib.auth.models import User

from courses.models import Course, Lesson
from quizzes.loader import load_course_quizzes
from quizzes.models import Quiz
from tests.factories import PASSWORD, UserFactory

TOC = [
    {"id": "why-it-matters", "name": "Why it matters", "level": 2, "children": []},
    {"id": "the-rule", "name": "The rule", "level": 2, "children": []},
]


@pytest.fixture
def content_course(course_content) -> Course:
    """The real course as `load_content` left it: lessons and every quiz in content/."""
    return course_content


@pytest.fixture
def course(db) -> Course:
    # Not the real course's slug: the test database already holds the content (tests/conftest.py).
    return Course.objects.create(slug="practice", title="Practice course")


@pytest.fixture
def lesson(course) -> Lesson:
    return Lesson.objects.create(course=course, slug="config", title="III. Config", factor=3, html="<p></p>", toc=TOC)


@pytest.fixture
def learner(db) -> User:
    return UserFactory(username="ada", password=PASSWORD)


@pytest.fixture
def signed_in(client, learner):
    client.force_login(learner)
    return client


class QuizDir:
    """A throwaway course folder holding quiz files written by the test."""

    def __init__(self, root: Path, course: Course, lessons: dict[str, Lesson]) -> None:
        self.root = root
        self.course = course
        self.lessons = lessons
        (root / "quizzes").mkdir(parents=True, exist_ok=True)

    def write(self, name: str, text: str) -> Path:
        path = self.root / "quizzes" / name
        path.write_text(textwrap.dedent(text).lstrip())
        return path

    def remove(self, name: str) -> None:
        (self.root / "quizzes" / name).unlink()

    def load(self) -> None:
        load_course_quizzes(course=self.course, course_dir=self.root, lessons=self.lessons)


@pytest.fixture
def quiz_dir(tmp_path, course, lesson) -> QuizDir:
    return QuizDir(tmp_path / "twelve-factor", course, {"config": lesson})


POLICY = """
policy:
  pass_mark: 60
  attempts: 0
  counts: best
  feedback: {feedback}
  display: {display}
  shuffle_questions: false
  shuffle_options: true
  time_limit_minutes: null
"""

# One question of every type, with known answers, for view and service tests.
EVERY_TYPE = """
  - id: pick-one
    type: single
    prompt: "Where does config live?"
    options:
      - {text: "In the environment", correct: true, feedback: "FEEDBACK-ENV"}
      - {text: "In settings_prod.py", correct: false, feedback: "FEEDBACK-PROD"}
      - {text: "In a wiki page", correct: false}
    explanation: "EXPLANATION-ONE"
    lesson: config#why-it-matters
  - id: pick-many
    type: multiple
    prompt: "Which are config?"
    options:
      - {text: "Database URL", correct: true}
      - {text: "API key", correct: true}
      - {text: "URL routes", correct: false, feedback: "FEEDBACK-ROUTES"}
      - {text: "Installed apps", correct: false}
    explanation: "EXPLANATION-MANY"
    lesson: config#the-rule
  - id: true-or-false
    type: true_false
    prompt: "Config changes need a rebuild."
    answer: false
    feedback_true: "FEEDBACK-TF-TRUE"
    feedback_false: "FEEDBACK-TF-FALSE"
    explanation: "EXPLANATION-TF"
    lesson: config#the-rule
  - id: order-steps
    type: ordering
    scoring: subsequence
    prompt: "Order the release."
    items: ["Build", "Release", "Run", "Observe"]
    explanation: "EXPLANATION-ORDER"
    lesson: config#the-rule
  - id: match-platforms
    type: matching
    prompt: "Match each platform."
    pairs:
      - {left: "Heroku", right: "config vars"}
      - {left: "Kubernetes", right: "Secrets"}
      - {left: "Docker", right: "--env-file"}
    explanation: "EXPLANATION-MATCH"
    lesson: config#the-rule
  - id: name-the-file
    type: short_text
    prompt: "Name the example env file."
    accepted: [".env.example"]
    pattern: "\\\\.?env[._-]?(example|sample)"
    explanation: "EXPLANATION-TEXT"
    lesson: config#the-rule
  - id: grace-seconds
    type: number
    prompt: "Default grace period?"
    answer: 30
    tolerance: 0
    unit: seconds
    explanation: "EXPLANATION-NUMBER"
    lesson: config#the-rule
  - id: spot-lines
    type: spot
    prompt: "Spot the violation."
    language: python
    code: |
      import os
      KEY = "sk_live_123"
      DEBUG = os.environ.get("DEBUG") == "1"
      HOST = "db.prod.internal"
    violations: [2, 4]
    line_feedback:
      2: "FEEDBACK-LINE-2"
      3: "FEEDBACK-LINE-3"
    explanation: "EXPLANATION-SPOT"
    lesson: config#why-it-matters
"""


def every_type_quiz(quiz_dir: QuizDir, *, feedback: str = "immediate", display: str = "one") -> Quiz:
    quiz_dir.write(
        "config.yaml",
        'title: "Check: Config"\nlesson: config\n'
        + POLICY.format(feedback=feedback, display=display).lstrip()
        + "questions:"
        + EVERY_TYPE,
    )
    quiz_dir.load()
    return Quiz.objects.get(course=quiz_dir.course, slug="config")


def answer_data(attempt, item, *, right: bool = True) -> dict:
    """Form data the page would post for this question: the right answer, or a wrong one."""
    from quizzes.tokens import token

    version = item.version
    definition = version.definition
    kind = version.type
    if kind in {"single", "multiple"}:
        wanted = [i for i, o in enumerate(definition["options"]) if o["correct"] is right]
        if kind == "single":
            wanted = wanted[:1]
        return {"answer": [token(attempt, version, "option", i) for i in wanted]}
    if kind == "true_false":
        return {"answer": "true" if definition["answer"] is right else "false"}
    if kind == "ordering":
        size = len(definition["items"])
        return {
            f"position-{token(attempt, version, 'item', i)}": str(i + 1 if right else size - i) for i in range(size)
        }
    if kind == "matching":
        size = len(definition["pairs"])
        return {
            f"match-{token(attempt, version, 'left', i)}": token(
                attempt, version, "right", i if right else (i + 1) % size
            )
            for i in range(size)
        }
    if kind == "short_text":
        return {"answer": definition["accepted"][0].upper() if right else "no idea"}
    if kind == "number":
        return {"answer": str(definition["answer"]) if right else str(definition["answer"] + 1000)}
    if kind == "spot":
        lines = len(definition["code"].rstrip("\n").split("\n"))
        wrong = [n for n in range(1, lines + 1) if n not in definition["violations"]][:1]
        return {"line": [str(n) for n in (definition["violations"] if right else wrong)]}
    raise AssertionError(kind)
