"""Courses and lessons from content/ (the courses app's part of `load_content`, which lives in content_loading).

`parse_courses` validates every course to the end and reports every problem (file, line, what is wrong) before
anything is written; `course_save` then writes one course. Loading is idempotent: unchanged lessons are not
touched; an edited lesson is updated in place; a lesson removed from content/ is unpublished, keeping learners'
progress.
"""

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from courses.content.body_checks import check_body, check_links, check_unique_headings
from courses.content.errors import ContentError, ContentProblem
from courses.content.frontmatter import SLUG, LessonSource, parse_lesson, yaml_problem
from courses.markdown import RENDERER_VERSION, RenderedLesson, render_fragment, render_lesson
from courses.models import Course, GlossaryTerm, Lesson, LessonSection


@dataclass
class ParsedLesson:
    source: LessonSource
    rendered: RenderedLesson
    source_hash: str


@dataclass
class ParsedCourse:
    slug: str
    directory: Path
    meta: dict
    source_hash: str
    lessons: list[ParsedLesson]
    glossary: list[dict]


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    unpublished: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return bool(self.created or self.updated or self.unpublished)

    def __str__(self) -> str:
        return (
            f"{len(self.created)} created, {len(self.updated)} updated, {len(self.unchanged)} unchanged, "
            f"{len(self.unpublished)} unpublished"
        )


def digest(*parts: str) -> str:
    return hashlib.sha256("\x00".join(parts).encode()).hexdigest()


def course_save(*, parsed: ParsedCourse, report: LoadReport) -> tuple[Course, dict[str, Lesson]]:
    """Write one validated course, its lessons and glossary; the caller holds the transaction and loads the rest."""
    course = save_course(parsed, report)
    lessons = save_lessons(course, parsed, report)
    save_glossary(course, parsed.glossary)
    return course, lessons


# --- Parsing and validation ---------------------------------------------------------------------------------------


def parse_courses(content_dir: Path) -> list[ParsedCourse]:
    problems: list[ContentProblem] = []
    courses_dir = content_dir / "courses"
    if not courses_dir.is_dir():
        raise ContentError([ContentProblem(courses_dir, None, "no courses folder")])
    parsed = []
    for directory in sorted(p for p in courses_dir.iterdir() if p.is_dir()):
        course = parse_course(directory, problems)
        if course:
            parsed.append(course)
    if problems:
        raise ContentError(problems)
    return parsed


def read_yaml(path: Path, problems: list[ContentProblem]):
    try:
        return yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        problems.append(yaml_problem(path, error))
    except OSError as error:
        problems.append(ContentProblem(path, None, f"cannot read: {error.strerror}"))
    return None


def parse_course(directory: Path, problems: list[ContentProblem]) -> ParsedCourse | None:
    course_file = directory / "course.yaml"
    if not course_file.exists():
        problems.append(ContentProblem(course_file, None, "every course folder needs a course.yaml"))
        return None
    meta = read_yaml(course_file, problems)
    if meta is None:
        return None
    if not SLUG.match(directory.name):
        problems.append(ContentProblem(directory, None, "course folder name must be a slug, e.g. twelve-factor"))
    if (
        not isinstance(meta, dict)
        or not isinstance(meta.get("title"), str)
        or not isinstance(meta.get("lessons"), list)
    ):
        problems.append(ContentProblem(course_file, 1, "needs `title` (text) and `lessons` (a list of lesson slugs)"))
        return None

    sources: dict[str, LessonSource] = {}
    for path in sorted((directory / "lessons").glob("*.md")):
        source = parse_lesson(path, problems)
        if source is None:
            continue
        if source.slug in sources:
            problems.append(
                ContentProblem(path, 1, f"slug '{source.slug}' is already used by {sources[source.slug].path.name}")
            )
            continue
        sources[source.slug] = source
    listed = meta["lessons"]
    for slug in listed:
        if slug not in sources and not any(p.path.parent == directory for p in problems):
            problems.append(
                ContentProblem(
                    course_file,
                    _line_of(course_file, f"- {slug}"),
                    f"lists lesson '{slug}' but no lesson file has that slug",
                )
            )
    for slug, source in sources.items():
        if slug not in listed:
            problems.append(ContentProblem(source.path, 1, f"lesson '{slug}' is not listed in {course_file.name}"))

    glossary = parse_glossary(directory / "glossary.yaml", problems)
    glossary_slugs = {term["slug"] for term in glossary}

    lessons = []
    for slug in listed:
        if slug not in sources:
            continue
        source = sources[slug]
        check_body(source, problems)
        rendered = render_lesson(source.body, title=source.meta["title"])
        check_unique_headings(source, rendered, problems)
        lessons.append(
            ParsedLesson(source, rendered, digest(RENDERER_VERSION, source.path.read_text(encoding="utf-8")))
        )
    anchors = {lesson.source.slug: lesson.rendered.anchors for lesson in lessons}
    for lesson in lessons:
        check_links(
            lesson.source, course_slug=directory.name, anchors=anchors, glossary=glossary_slugs, problems=problems
        )
    for term in glossary:
        for slug in term["lessons"]:
            if slug not in sources:
                problems.append(
                    ContentProblem(
                        directory / "glossary.yaml", None, f"term '{term['slug']}' names unknown lesson '{slug}'"
                    )
                )
    return ParsedCourse(
        slug=directory.name,
        directory=directory,
        meta=meta,
        source_hash=digest(course_file.read_text(encoding="utf-8")),
        lessons=lessons,
        glossary=glossary,
    )


def parse_glossary(path: Path, problems: list[ContentProblem]) -> list[dict]:
    if not path.exists():
        return []
    data = read_yaml(path, problems)
    if data is None:
        return []
    if not isinstance(data, list):
        problems.append(ContentProblem(path, 1, "must be a list of terms"))
        return []
    terms, seen = [], set()
    for index, item in enumerate(data, start=1):
        if not isinstance(item, dict) or not all(isinstance(item.get(k), str) for k in ("term", "slug", "definition")):
            problems.append(ContentProblem(path, None, f"term #{index} needs `term`, `slug` and `definition` as text"))
            continue
        if not SLUG.match(item["slug"]) or item["slug"] in seen:
            problems.append(
                ContentProblem(
                    path, _line_of(path, f"slug: {item['slug']}"), f"term slug '{item['slug']}' is not a unique slug"
                )
            )
            continue
        seen.add(item["slug"])
        terms.append({**item, "lessons": list(item.get("lessons") or [])})
    return terms


def _line_of(path: Path, needle: str) -> int | None:
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if needle in line:
            return number
    return None


# --- Writing -------------------------------------------------------------------------------------------------------


def save_course(parsed: ParsedCourse, report: LoadReport) -> Course:
    fields = {
        "title": parsed.meta["title"],
        "summary": parsed.meta.get("summary", ""),
        "order": parsed.meta.get("order", 0),
        "published": True,
        "source_hash": parsed.source_hash,
    }
    course, created = Course.objects.get_or_create(slug=parsed.slug, defaults=fields)
    if not created and any(getattr(course, k) != v for k, v in fields.items()):
        Course.objects.filter(pk=course.pk).update(**fields)
        course.refresh_from_db()
    return course


def save_lessons(course: Course, parsed: ParsedCourse, report: LoadReport) -> dict[str, Lesson]:
    existing = {lesson.slug: lesson for lesson in course.lessons.all()}
    saved: dict[str, Lesson] = {}
    for order, item in enumerate(parsed.lessons, start=1):
        meta, rendered = item.source.meta, item.rendered
        fields = {
            "title": meta["title"],
            "factor": meta["factor"],
            "summary": meta["summary"],
            "objectives": meta["objectives"],
            "minutes": meta["minutes"],
            "order": order,
            "html": rendered.html,
            "toc": rendered.toc,
            "toc_html": rendered.toc_html,
            "has_diagram": rendered.has_diagram,
            "has_code": rendered.has_code,
            "source_path": str(item.source.path.relative_to(parsed.directory.parent.parent.parent)),
            "source_hash": item.source_hash,
            "published": True,
        }
        lesson = existing.get(meta["slug"])
        label = f"{course.slug}/{meta['slug']}"
        if lesson is None:
            lesson = Lesson.objects.create(course=course, slug=meta["slug"], **fields)
            report.created.append(label)
        elif any(getattr(lesson, k) != v for k, v in fields.items()):
            for key, value in fields.items():
                setattr(lesson, key, value)
            lesson.save()
            report.updated.append(label)
        else:
            report.unchanged.append(label)
            saved[lesson.slug] = lesson
            continue
        lesson.sections.all().delete()
        LessonSection.objects.bulk_create(
            LessonSection(lesson=lesson, anchor=s.anchor, heading=s.heading, text=s.text, order=i)
            for i, s in enumerate(rendered.sections)
        )
        saved[lesson.slug] = lesson
    for slug, lesson in existing.items():
        if slug not in saved and lesson.published:
            Lesson.objects.filter(pk=lesson.pk).update(published=False)
            report.unpublished.append(f"{course.slug}/{slug}")
    return saved


def save_glossary(course: Course, terms: list[dict]) -> None:
    for term in terms:
        fields = {
            "term": term["term"],
            "definition_html": render_fragment(term["definition"]),
            "lessons": term["lessons"],
        }
        current = GlossaryTerm.objects.filter(course=course, slug=term["slug"]).first()
        if current is None:
            GlossaryTerm.objects.create(course=course, slug=term["slug"], **fields)
        elif any(getattr(current, k) != v for k, v in fields.items()):
            GlossaryTerm.objects.filter(pk=current.pk).update(**fields)
    GlossaryTerm.objects.filter(course=course).exclude(slug__in=[t["slug"] for t in terms]).delete()
