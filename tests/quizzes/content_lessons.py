"""Lessons of the real course built straight from content/ (front matter + headings), for quiz tests.

Stands in for the course loader (which also needs course.yaml): the anchors come from the course app's own
renderer, so they are exactly the ones `load_content` stores.
"""

from pathlib import Path

import yaml

from courses.markdown import render_lesson
from courses.models import Course, Lesson

REPO_ROOT = Path(__file__).resolve().parent.parent.parent
COURSE_DIR = REPO_ROOT / "content" / "courses" / "twelve-factor"


def toc_of(body: str, title: str) -> list[dict]:
    return render_lesson(body, title=title).toc


def lesson_sources() -> list[dict]:
    lessons = []
    for order, path in enumerate(sorted((COURSE_DIR / "lessons").glob("*.md"))):
        _, front, body = path.read_text(encoding="utf-8").split("---\n", 2)
        meta = yaml.safe_load(front)
        lessons.append({**meta, "order": order, "toc": toc_of(body, meta["title"])})
    return lessons


def unsaved_lessons() -> dict[str, Lesson]:
    return {
        m["slug"]: Lesson(slug=m["slug"], title=m["title"], factor=m["factor"], order=m["order"], toc=m["toc"])
        for m in lesson_sources()
    }


def create_course_with_lessons() -> tuple[Course, dict[str, Lesson]]:
    course, _ = Course.objects.get_or_create(slug="twelve-factor", defaults={"title": "The Twelve-Factor App"})
    lessons = {}
    for m in lesson_sources():
        lessons[m["slug"]], _ = Lesson.objects.get_or_create(
            course=course,
            slug=m["slug"],
            defaults={
                "title": m["title"],
                "factor": m["factor"],
                "order": m["order"],
                "html": "<p></p>",
                "toc": m["toc"],
            },
        )
    return course, lessons
