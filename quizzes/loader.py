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
from pygments.lexers import get_lexer_by_name
from pygments.util import ClassNotFound

from courses.content.errors import ContentError, ContentProblem
from courses.models import Course, Lesson
from quizzes.models import Question, QuestionVersion, Quiz
from quizzes.rendering import render_question

FINAL_SLUG = "final"
QUESTION_TYPES = {"single", "multiple", "true_false", "ordering", "matching", "short_text", "number", "spot"}
COMMON_FIELDS = {"id", "type", "prompt", "explanation", "lesson", "points", "factor"}
TYPE_FIELDS = {
    "single": {"options"},
    "multiple": {"options"},
    "true_false": {"answer", "feedback_true", "feedback_false"},
    "ordering": {"items", "scoring"},
    "matching": {"pairs"},
    "short_text": {"accepted", "pattern"},
    "number": {"answer", "tolerance", "unit"},
    "spot": {"language", "code", "violations", "line_feedback"},
}
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
MAX_SPOT_LINES = 25


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


def is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def is_text(value: Any) -> bool:
    return isinstance(value, str) and bool(value.strip())


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
        if kind not in QUESTION_TYPES:
            report("type", f"type must be one of {sorted(QUESTION_TYPES)}, not {kind!r}")
            return
        for key in sorted(set(question) - COMMON_FIELDS - TYPE_FIELDS[kind], key=str):
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
        getattr(self, f"check_{kind}")(question, report)

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

    def check_options(self, question: dict[str, Any], report) -> list[dict[str, Any]]:
        options = question.get("options")
        if not isinstance(options, list) or len(options) < 2:
            report("options", "options must list at least two choices")
            return []
        texts = set()
        for number, option in enumerate(options, start=1):
            if not isinstance(option, dict):
                report("options", f"option {number} must be a mapping with text and correct")
                continue
            for key in sorted(set(option) - {"text", "correct", "feedback"}, key=str):
                report("options", f"option {number}: unknown field {key!r}")
            if not is_text(option.get("text")):
                report("options", f"option {number}: text must be a string (quote values such as yes, no, on, 1.0)")
            elif option["text"] in texts:
                report("options", f"option {number}: the same text appears twice")
            else:
                texts.add(option["text"])
            if not isinstance(option.get("correct"), bool):
                report("options", f"option {number}: correct must be true or false")
            if "feedback" in option and not is_text(option["feedback"]):
                report("options", f"option {number}: feedback must be text")
        return [o for o in options if isinstance(o, dict)]

    def check_single(self, question: dict[str, Any], report) -> None:
        options = self.check_options(question, report)
        if options and sum(o.get("correct") is True for o in options) != 1:
            report("options", "a single-choice question has exactly one correct option")

    def check_multiple(self, question: dict[str, Any], report) -> None:
        options = self.check_options(question, report)
        if options and not any(o.get("correct") is True for o in options):
            report("options", "a multiple-choice question needs at least one correct option")

    def check_true_false(self, question: dict[str, Any], report) -> None:
        if not isinstance(question.get("answer"), bool):
            report("answer", "answer must be true or false")
        for key in ("feedback_true", "feedback_false"):
            if key in question and not is_text(question[key]):
                report(key, f"{key} must be text")

    def check_ordering(self, question: dict[str, Any], report) -> None:
        items = question.get("items")
        if not isinstance(items, list) or len(items) < 3 or not all(is_text(i) for i in items):
            report("items", "items must list at least three strings, in the correct order")
        elif len(set(items)) != len(items):
            report("items", "items must be distinct")
        if question.get("scoring", "all_or_nothing") not in {"subsequence", "all_or_nothing"}:
            report("scoring", "scoring must be subsequence or all_or_nothing")

    def check_matching(self, question: dict[str, Any], report) -> None:
        pairs = question.get("pairs")
        if not isinstance(pairs, list) or len(pairs) < 2:
            report("pairs", "pairs must list at least two {left, right} pairs")
            return
        if not all(
            isinstance(p, dict) and set(p) == {"left", "right"} and all(map(is_text, p.values())) for p in pairs
        ):
            report("pairs", "each pair has exactly a text `left` and a text `right`")
            return
        for side in ("left", "right"):
            if len({p[side] for p in pairs}) != len(pairs):
                report("pairs", f"every {side} must be distinct")

    def check_short_text(self, question: dict[str, Any], report) -> None:
        accepted = question.get("accepted", [])
        if not isinstance(accepted, list) or not all(is_text(a) for a in accepted):
            report("accepted", "accepted must be a list of strings")
        pattern = question.get("pattern")
        if pattern is not None:
            try:
                re.compile(pattern)
            except (re.error, TypeError) as error:
                report("pattern", f"pattern is not a valid regular expression: {error}")
        if not accepted and not pattern:
            report("accepted", "give accepted answers, a pattern, or both")

    def check_number(self, question: dict[str, Any], report) -> None:
        if not is_number(question.get("answer")):
            report("answer", "answer must be a number")
        tolerance = question.get("tolerance", 0)
        if not is_number(tolerance) or tolerance < 0:
            report("tolerance", "tolerance must be a number, 0 or more")
        if "unit" in question and not is_text(question["unit"]):
            report("unit", "unit must be text")

    def check_spot(self, question: dict[str, Any], report) -> None:
        try:
            get_lexer_by_name(str(question.get("language")))
        except ClassNotFound:
            report("language", f"language {question.get('language')!r} is not a Pygments lexer (use text)")
        code = question.get("code")
        if not is_text(code):
            report("code", "code is required")
            return
        count = len(code.rstrip("\n").split("\n"))
        if count > MAX_SPOT_LINES:
            report("code", f"code has {count} lines; keep it to {MAX_SPOT_LINES}")
        violations = question.get("violations")
        if not isinstance(violations, list) or not violations or not all(is_int(v) for v in violations):
            report("violations", "violations must list the 1-based numbers of the offending lines")
        else:
            if len(set(violations)) != len(violations):
                report("violations", "violations lists a line twice")
            for line in violations:
                if not 1 <= line <= count:
                    report("violations", f"line {line} is outside the snippet (1-{count})")
                elif not code.split("\n")[line - 1].strip():
                    report("violations", f"line {line} is blank")
        feedback = question.get("line_feedback") or {}
        if not isinstance(feedback, dict):
            report("line_feedback", "line_feedback maps line numbers to text")
            return
        for line, text in feedback.items():
            if not is_int(line) or not 1 <= line <= count:
                report("line_feedback", f"line_feedback names line {line!r}, outside the snippet (1-{count})")
            if not is_text(text):
                report("line_feedback", f"line_feedback for line {line!r} must be text")

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
        types = {q.get("type") for q in valid} & QUESTION_TYPES
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


def load_question(*, quiz: Quiz, definition: dict[str, Any], order: int) -> Question:
    question, _ = Question.objects.get_or_create(quiz=quiz, key=definition["id"], defaults={"order": order})
    digest = content_hash(definition)
    rendered = render_question(definition)
    lesson_slug, _, anchor = definition["lesson"].partition("#")
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
