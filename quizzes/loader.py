"""Load a course's quizzes from content/courses/<course>/quizzes/*.yaml (the format is in content/FORMAT.md).

Called by `load_content` inside its transaction once the course's lessons are saved. Everything is validated first
and every problem is reported together; then quizzes and questions are written. A question whose content changes
gets a new version (attempts keep pointing at the one they were taken with); a second run changes nothing; quizzes
and questions that disappear from content/ are unpublished, never deleted.
"""

import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from courses.content.errors import ContentError, ContentProblem
from courses.markdown import render_fragment
from courses.models import Course, Lesson
from quizzes.models import Question, QuestionVersion, Quiz
from quizzes.rendering import clean_html
from quizzes.types import REGISTRY, question_type
from quizzes.types.base import is_int, is_text

FINAL_SLUG = "final"
COMMON_FIELDS = {"id", "type", "prompt", "explanation", "lesson", "points", "factor"}
QUIZ_FIELDS = {"title", "lesson", "policy", "questions"}
POLICY_DEFAULTS: dict[str, Any] = {
    "pass_mark": 70,
    "attempts": 0,
    "counts": "best",
    "feedback": "immediate",
    "display": "one",
    "shuffle_questions": False,
    "shuffle_options": True,
    "time_limit_minutes": None,
    "draw_per_factor": None,
}
SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
MIN_LESSON_QUESTIONS = 8
MIN_LESSON_TYPES = 4
MIN_FINAL_QUESTIONS = 60


@dataclass
class ParsedQuiz:
    path: Path
    slug: str
    title: str
    lesson: Lesson | None
    policy: dict[str, Any]
    questions: list[dict[str, Any]] = field(default_factory=list)


def content_hash(definition: dict[str, Any]) -> str:
    return hashlib.sha256(json.dumps(definition, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


class QuizFileValidator:
    """Collects the problems of one quiz file, each with the line of the question (or field) it concerns."""

    def __init__(self, path: Path, lessons: dict[str, Lesson], display_path: Path) -> None:
        self.path = path
        self.display_path = display_path
        self.lessons = lessons
        self.problems: list[ContentProblem] = []
        self.question_lines: list[int | None] = []
        self.field_lines: list[dict[str, int]] = []
        self.top_lines: dict[str, int] = {}

    def problem(self, line: int | None, message: str) -> None:
        self.problems.append(ContentProblem(self.display_path, line, message))

    def read(self) -> dict[str, Any] | None:
        text = self.path.read_text(encoding="utf-8")
        try:
            node = yaml.compose(text, Loader=yaml.SafeLoader)
            data = yaml.safe_load(text)
        except yaml.YAMLError as error:
            mark = getattr(error, "problem_mark", None)
            self.problem(mark.line + 1 if mark else None, f"invalid YAML: {getattr(error, 'problem', error)}")
            return None
        if not isinstance(data, dict) or not isinstance(node, yaml.MappingNode):
            self.problem(1, "a quiz file is a mapping with title, policy and questions")
            return None
        for key_node, value_node in node.value:
            self.top_lines[key_node.value] = key_node.start_mark.line + 1
            if key_node.value == "questions" and isinstance(value_node, yaml.SequenceNode):
                for item in value_node.value:
                    self.question_lines.append(item.start_mark.line + 1)
                    lines = {}
                    if isinstance(item, yaml.MappingNode):
                        lines = {k.value: k.start_mark.line + 1 for k, _ in item.value}
                    self.field_lines.append(lines)
        return data

    def parse(self) -> ParsedQuiz | None:
        data = self.read()
        if data is None:
            return None
        slug = self.path.stem
        is_final = slug == FINAL_SLUG
        for key in sorted(set(data) - QUIZ_FIELDS):
            self.problem(self.top_lines.get(key), f"unknown field {key!r} (expected one of {sorted(QUIZ_FIELDS)})")
        if not is_text(data.get("title")):
            self.problem(self.top_lines.get("title", 1), "title is required")
        lesson = None
        if is_final:
            if "lesson" in data:
                self.problem(self.top_lines["lesson"], "the final bank follows no lesson: remove `lesson`")
        elif data.get("lesson") != slug:
            self.problem(
                self.top_lines.get("lesson", 1),
                f"lesson must be {slug!r}: a lesson's quiz file is named after the lesson's slug",
            )
        elif slug not in self.lessons:
            self.problem(self.top_lines.get("lesson", 1), f"no lesson with slug {slug!r} in this course")
        else:
            lesson = self.lessons[slug]
        policy = self.parse_policy(data.get("policy"))
        questions = data.get("questions")
        if not isinstance(questions, list) or not questions:
            self.problem(self.top_lines.get("questions", 1), "questions must be a non-empty list")
            questions = []
        seen: dict[str, int | None] = {}
        for index, question in enumerate(questions):
            self.check_question(index, question, is_final, seen)
        self.check_quiz_rules(questions, lesson, is_final, policy)
        return ParsedQuiz(self.path, slug, str(data.get("title", "")), lesson, policy, questions)

    def parse_policy(self, raw: Any) -> dict[str, Any]:
        line = self.top_lines.get("policy")
        policy = dict(POLICY_DEFAULTS)
        if raw is None:
            return policy
        if not isinstance(raw, dict):
            self.problem(line, "policy must be a mapping")
            return policy
        for key in sorted(set(raw) - set(POLICY_DEFAULTS), key=str):
            self.problem(line, f"policy: unknown setting {key!r}")
        policy.update({k: v for k, v in raw.items() if k in POLICY_DEFAULTS})
        checks = {
            "pass_mark": (lambda v: is_int(v) and 0 <= v <= 100, "a whole percent from 0 to 100"),
            "attempts": (lambda v: is_int(v) and v >= 0, "0 (unlimited) or a positive whole number"),
            "counts": (lambda v: v in {"best", "last"}, "best or last"),
            "feedback": (lambda v: v in {"immediate", "after_submit"}, "immediate or after_submit"),
            "display": (lambda v: v in {"one", "all"}, "one or all"),
            "shuffle_questions": (lambda v: isinstance(v, bool), "true or false"),
            "shuffle_options": (lambda v: isinstance(v, bool), "true or false"),
            "time_limit_minutes": (lambda v: v is None or (is_int(v) and v > 0), "null or a positive whole number"),
            "draw_per_factor": (lambda v: v is None or (is_int(v) and v > 0), "null or a positive whole number"),
        }
        for key, (valid, expected) in checks.items():
            if not valid(policy[key]):
                self.problem(line, f"policy: {key} must be {expected}, not {policy[key]!r}")
        return policy

    def check_question(self, index: int, question: Any, is_final: bool, seen: dict[str, int | None]) -> None:
        line = self.question_lines[index] if index < len(self.question_lines) else None
        lines = self.field_lines[index] if index < len(self.field_lines) else {}
        if not isinstance(question, dict):
            self.problem(line, f"question {index + 1} must be a mapping")
            return
        qid = question.get("id")
        label = f"question {qid!r}" if isinstance(qid, str) else f"question {index + 1}"

        def report(key: str | None, message: str) -> None:
            self.problem(lines.get(key, line) if key else line, f"{label}: {message}")

        if not isinstance(qid, str) or not SLUG.match(qid):
            report("id", "id is required: lower-case letters, digits and hyphens")
        elif qid in seen:
            report("id", f"duplicate id (first used on line {seen[qid]})")
        else:
            seen[qid] = line
        kind = question.get("type")
        if kind not in REGISTRY:
            report("type", f"type must be one of {sorted(REGISTRY)}, not {kind!r}")
            return
        for key in sorted(set(question) - COMMON_FIELDS - question_type(kind).fields, key=str):
            report(key, f"unknown field {key!r} for a {kind} question")
        for key in ("prompt", "explanation"):
            if not is_text(question.get(key)):
                report(key, f"{key} is required (markdown text)")
        self.check_lesson_link(question.get("lesson"), lambda m: report("lesson", m))
        if "points" in question and not (is_int(question["points"]) and question["points"] > 0):
            report("points", "points must be a positive whole number")
        factor = question.get("factor")
        if is_final and not (is_int(factor) and 1 <= factor <= 12):
            report("factor", "every question in the final bank needs `factor:` 1-12")
        elif factor is not None and not (is_int(factor) and 0 <= factor <= 12):
            report("factor", "factor must be a whole number from 0 to 12")
        question_type(kind).validate(question, report)

    def check_lesson_link(self, value: Any, report) -> None:
        if not isinstance(value, str) or "#" not in value:
            report("lesson is required as <lesson-slug>#<anchor>")
            return
        slug, _, anchor = value.partition("#")
        lesson = self.lessons.get(slug)
        if lesson is None:
            report(f"lesson {slug!r} does not exist in this course")
        elif anchor not in lesson.anchors:
            report(f"anchor #{anchor} does not exist in lesson {slug!r}")

    def check_quiz_rules(
        self, questions: list[Any], lesson: Lesson | None, is_final: bool, policy: dict[str, Any]
    ) -> None:
        line = self.top_lines.get("questions")
        valid = [q for q in questions if isinstance(q, dict)]
        if is_final:
            if len(valid) < MIN_FINAL_QUESTIONS:
                self.problem(line, f"the final bank needs at least {MIN_FINAL_QUESTIONS} questions, has {len(valid)}")
            draw = policy.get("draw_per_factor")
            if is_int(draw):
                per_factor: dict[Any, int] = {}
                for q in valid:
                    per_factor[q.get("factor")] = per_factor.get(q.get("factor"), 0) + 1
                for factor in range(1, 13):
                    if per_factor.get(factor, 0) < draw:
                        self.problem(
                            line,
                            f"draw_per_factor is {draw} but factor {factor} has {per_factor.get(factor, 0)} questions",
                        )
            return
        if lesson is None:
            return
        if len(valid) < MIN_LESSON_QUESTIONS:
            self.problem(line, f"a lesson quiz needs at least {MIN_LESSON_QUESTIONS} questions, has {len(valid)}")
        types = {q.get("type") for q in valid} & set(REGISTRY)
        if len(types) < MIN_LESSON_TYPES:
            self.problem(line, f"a lesson quiz uses at least {MIN_LESSON_TYPES} question types, uses {len(types)}")
        if 1 <= lesson.factor <= 12 and "spot" not in types:
            self.problem(line, "a factor quiz needs at least one spot-the-violation question")


def parse_course_quizzes(*, course_dir: Path, lessons: dict[str, Lesson]) -> list[ParsedQuiz]:
    """Validate every quiz file of a course; raise ContentError with all problems found."""
    problems: list[ContentProblem] = []
    parsed: list[ParsedQuiz] = []
    for path in sorted((course_dir / "quizzes").glob("*.yaml")):
        display = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
        validator = QuizFileValidator(path, lessons, display)
        quiz = validator.parse()
        problems.extend(validator.problems)
        if quiz is not None:
            parsed.append(quiz)
    if problems:
        raise ContentError(problems)
    return parsed


def update_changed(instance, **values: Any) -> bool:
    changed = [name for name, value in values.items() if getattr(instance, name) != value]
    for name in changed:
        setattr(instance, name, values[name])
    if changed:
        instance.save(update_fields=changed)
    return bool(changed)


def load_course_quizzes(*, course: Course, course_dir: Path, lessons: dict[str, Lesson]) -> None:
    """Validate and load course_dir/quizzes/*.yaml into the database (run inside the loader's transaction)."""
    parsed = parse_course_quizzes(course_dir=course_dir, lessons=lessons)
    loaded_slugs = []
    for quiz_data in parsed:
        policy = quiz_data.policy
        values = {
            "title": quiz_data.title,
            "lesson": quiz_data.lesson,
            "pass_mark": policy["pass_mark"],
            "attempts_allowed": policy["attempts"],
            "counts": policy["counts"],
            "feedback": policy["feedback"],
            "display": policy["display"],
            "shuffle_questions": policy["shuffle_questions"],
            "shuffle_options": policy["shuffle_options"],
            "time_limit_minutes": policy["time_limit_minutes"],
            "draw_per_factor": policy["draw_per_factor"],
            "order": quiz_data.lesson.order if quiz_data.lesson else 10_000,
            "published": True,
            "source_path": f"quizzes/{quiz_data.path.name}",
        }
        quiz, created = Quiz.objects.get_or_create(course=course, slug=quiz_data.slug, defaults=values)
        if not created:
            update_changed(quiz, **values)
        loaded_slugs.append(quiz.slug)
        keys = []
        for order, definition in enumerate(quiz_data.questions):
            keys.append(definition["id"])
            load_question(quiz=quiz, definition=definition, order=order)
        quiz.questions.filter(published=True).exclude(key__in=keys).update(published=False)
    course.quizzes.filter(published=True).exclude(slug__in=loaded_slugs).update(published=False)


def load_question(*, quiz: Quiz, definition: dict[str, Any], order: int, untrusted: bool = False) -> Question:
    """Save the question's current version. `untrusted`: the text comes from outside content/ (an organisation's
    import), so its rendered HTML is sanitised; such a question may have no lesson link and no explanation."""
    question, _ = Question.objects.get_or_create(quiz=quiz, key=definition["id"], defaults={"order": order})
    digest = content_hash(definition)
    rendered = render_question(definition)
    if untrusted:
        rendered = clean_html(rendered)
    lesson_slug, _, anchor = definition.get("lesson", "").partition("#")
    version, created = QuestionVersion.objects.get_or_create(
        question=question,
        content_hash=digest,
        defaults={
            "type": definition["type"],
            "definition": definition,
            "rendered": rendered,
            "factor": definition.get("factor", quiz.lesson.factor if quiz.lesson else None),
            "points": definition.get("points", 1),
            "lesson_slug": lesson_slug,
            "anchor": anchor,
        },
    )
    if not created:
        # Same content, newer renderer: refresh the HTML in place; the answer key and so every score stay the same.
        update_changed(version, rendered=rendered)
    update_changed(question, order=order, current_version=version, published=True)
    return question


def render_question(definition: dict[str, Any]) -> dict[str, Any]:
    """The question's HTML, rendered once here and stored: the prompt and explanation, then what its type shows."""
    return {
        "prompt": render_fragment(definition["prompt"]),
        "explanation": render_fragment(definition.get("explanation") or ""),
        **question_type(definition["type"]).render(definition),
    }
