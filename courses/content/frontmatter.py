"""Lesson files: YAML front matter between `---` lines, then markdown. Parsing keeps line numbers for errors."""

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from courses.content.errors import ContentProblem

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
# Lesson slugs share the URL space under /courses/<course>/ with these.
RESERVED_SLUGS = {"quizzes", "labs", "progress", "search", "glossary"}


@dataclass
class LessonSource:
    path: Path
    meta: dict
    body: str
    body_first_line: int  # line number of the body's first line in the file

    @property
    def slug(self) -> str:
        return self.meta["slug"]


def yaml_problem(path: Path, error: yaml.YAMLError, line_offset: int = 0) -> ContentProblem:
    mark = getattr(error, "problem_mark", None)
    line = mark.line + 1 + line_offset if mark else None
    problem = getattr(error, "problem", None) or str(error)
    return ContentProblem(path, line, f"invalid YAML: {problem}")


def parse_lesson(path: Path, problems: list[ContentProblem]) -> LessonSource | None:
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    if not lines or lines[0].strip() != "---":
        problems.append(ContentProblem(path, 1, "must start with YAML front matter between '---' lines"))
        return None
    try:
        end = next(i for i in range(1, len(lines)) if lines[i].strip() == "---")
    except StopIteration:
        problems.append(ContentProblem(path, 1, "front matter is not closed by a '---' line"))
        return None
    try:
        meta = yaml.safe_load("".join(lines[1:end])) or {}
    except yaml.YAMLError as error:
        problems.append(yaml_problem(path, error, line_offset=1))
        return None
    if not isinstance(meta, dict):
        problems.append(ContentProblem(path, 2, "front matter must be a mapping of fields"))
        return None
    before = len(problems)
    check_front_matter(path, meta, lines[1:end], problems)
    if len(problems) > before:
        return None
    return LessonSource(path=path, meta=meta, body="".join(lines[end + 1 :]), body_first_line=end + 2)


def _field_line(field_name: str, front_lines: list[str]) -> int:
    for number, line in enumerate(front_lines, start=2):
        if line.startswith(f"{field_name}:"):
            return number
    return 1


def check_front_matter(path: Path, meta: dict, front_lines: list[str], problems: list[ContentProblem]) -> None:
    def problem(field_name: str, message: str) -> None:
        problems.append(
            ContentProblem(path, _field_line(field_name, front_lines), f"front matter `{field_name}`: {message}")
        )

    for name in ("title", "slug", "factor", "summary", "objectives", "minutes"):
        if name not in meta:
            problems.append(ContentProblem(path, 1, f"front matter is missing `{name}`"))
    if "title" in meta and (not isinstance(meta["title"], str) or not meta["title"].strip()):
        problem("title", "must be non-empty text")
    if "slug" in meta:
        if not isinstance(meta["slug"], str) or not SLUG.match(meta["slug"]):
            problem("slug", "must be lower-case words joined by hyphens, e.g. port-binding")
        elif meta["slug"] in RESERVED_SLUGS:
            problem("slug", f"'{meta['slug']}' is reserved for another page")
    if "factor" in meta and (type(meta["factor"]) is not int or not 0 <= meta["factor"] <= 12):
        problem("factor", "must be a whole number from 0 (not a factor) to 12")
    if "summary" in meta and not isinstance(meta["summary"], str):
        problem("summary", "must be text")
    if "objectives" in meta and (
        not isinstance(meta["objectives"], list)
        or not meta["objectives"]
        or not all(isinstance(o, str) and o.strip() for o in meta["objectives"])
    ):
        problem("objectives", "must be a non-empty list of text items")
    if "minutes" in meta and (type(meta["minutes"]) is not int or not 1 <= meta["minutes"] <= 180):
        problem("minutes", "must be a whole number of minutes between 1 and 180")
