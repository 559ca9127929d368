from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from content_loading.loader import load_content
from courses.content.errors import ContentError
from courses.models import Course, Lesson, LessonProgress
from tests.factories import LessonProgressFactory, UserFactory

pytestmark = pytest.mark.django_db

LESSON = """---
title: "{title}"
slug: {slug}
factor: {factor}
summary: "A summary."
objectives:
  - Do a thing
minutes: 5
---
Intro.

## Why it matters

Text about {slug}, see [config](/glossary/#config).

```python
print("hello")
```
"""


def make_course(root: Path, lessons=("alpha", "beta"), slug="demo") -> Path:
    course_dir = root / "courses" / slug
    (course_dir / "lessons").mkdir(parents=True)
    listed = "\n".join(f"  - {name}" for name in lessons)
    (course_dir / "course.yaml").write_text(f"title: Demo course\nsummary: For tests.\nlessons:\n{listed}\n")
    (course_dir / "glossary.yaml").write_text("- term: Config\n  slug: config\n  definition: Settings.\n")
    for number, name in enumerate(lessons):
        write_lesson(course_dir, number, name)
    return course_dir


def write_lesson(course_dir: Path, number: int, slug: str, text: str | None = None) -> Path:
    path = course_dir / "lessons" / f"{number:02d}-{slug}.md"
    path.write_text(text if text is not None else LESSON.format(title=slug.title(), slug=slug, factor=number + 1))
    return path


def problems_of(root: Path) -> list[str]:
    with pytest.raises(ContentError) as caught:
        load_content(root)
    return [str(problem) for problem in caught.value.problems]


def test_real_content_is_loaded_with_every_lesson():
    course = Course.objects.get(slug="twelve-factor")
    slugs = list(course.lessons.published().values_list("slug", flat=True))

    assert slugs[0] == "history" and slugs[-1] == "summary"
    assert len(slugs) == 14
    assert all(lesson.html and lesson.toc for lesson in course.lessons.all())


def test_loading_twice_changes_nothing(tmp_path):
    make_course(tmp_path)
    first = load_content(tmp_path)
    stamps = dict(Lesson.objects.filter(course__slug="demo").values_list("slug", "updated_at"))

    second = load_content(tmp_path)

    assert first.created == ["demo/alpha", "demo/beta"]
    assert not second.changed
    assert second.unchanged == ["demo/alpha", "demo/beta"]
    assert dict(Lesson.objects.filter(course__slug="demo").values_list("slug", "updated_at")) == stamps


def test_edited_lesson_is_updated_in_place(tmp_path):
    course_dir = make_course(tmp_path)
    load_content(tmp_path)
    before = Lesson.objects.get(slug="alpha", course__slug="demo")

    write_lesson(
        course_dir, 0, "alpha", LESSON.format(title="Alpha v2", slug="alpha", factor=1) + "\n## New part\n\nMore.\n"
    )
    report = load_content(tmp_path)

    after = Lesson.objects.get(slug="alpha", course__slug="demo")
    assert report.updated == ["demo/alpha"]
    assert after.pk == before.pk
    assert after.title == "Alpha v2"
    assert "new-part" in after.anchors
    assert after.sections.filter(anchor="new-part").exists()


def test_removed_lesson_is_unpublished_and_keeps_progress(tmp_path):
    course_dir = make_course(tmp_path)
    load_content(tmp_path)
    user = UserFactory(username="ada")
    beta = Lesson.objects.get(slug="beta", course__slug="demo")
    LessonProgressFactory(user=user, lesson=beta, completed_at="2026-01-01T00:00:00Z")

    (course_dir / "lessons" / "01-beta.md").unlink()
    (course_dir / "course.yaml").write_text("title: Demo course\nlessons:\n  - alpha\n")
    report = load_content(tmp_path)

    beta.refresh_from_db()
    assert report.unpublished == ["demo/beta"]
    assert not beta.published
    assert LessonProgress.objects.filter(lesson=beta).exists()


def test_front_matter_problems_name_file_and_line(tmp_path):
    course_dir = make_course(tmp_path)
    bad = LESSON.format(title="Alpha", slug="alpha", factor=13).replace("minutes: 5\n", "")
    path = write_lesson(course_dir, 0, "alpha", bad)

    problems = problems_of(tmp_path)

    assert f"{path}:4: front matter `factor`: must be a whole number from 0 (not a factor) to 12" in problems
    assert f"{path}:1: front matter is missing `minutes`" in problems


def test_body_problems_name_file_and_line(tmp_path):
    course_dir = make_course(tmp_path)
    body = (
        LESSON.format(title="Alpha", slug="alpha", factor=1)
        + "\n```\nno language\n```\n"  # lines 20-22
        + '\n!!! danger "Nope"\n    Unknown kind.\n'  # line 24
        + "\n```mermaid\nflowchart LR\n  a --> b\n```\n"  # line 27
        + "\nSee [x](/glossary/#nope) and [y](/courses/demo/beta/#missing-heading).\n"  # line 32
    )
    path = write_lesson(course_dir, 0, "alpha", body)

    problems = problems_of(tmp_path)

    assert f"{path}:20: code fence has no language (e.g. ```python)" in problems
    assert any(p.startswith(f"{path}:24: unknown callout 'danger'") for p in problems)
    assert any(p.startswith(f"{path}:27: diagram has no text alternative") for p in problems)
    assert f"{path}:32: glossary has no term 'nope'" in problems
    assert f"{path}:32: lesson 'beta' has no heading '#missing-heading'" in problems


def test_invalid_yaml_names_the_line(tmp_path):
    course_dir = make_course(tmp_path)
    path = write_lesson(course_dir, 0, "alpha", '---\ntitle: "Alpha\nslug: alpha\n---\nBody\n')

    problems = problems_of(tmp_path)

    assert any(p.startswith(f"{path}:") and "invalid YAML" in p for p in problems)


def test_lessons_and_course_yaml_must_agree(tmp_path):
    course_dir = make_course(tmp_path)
    write_lesson(course_dir, 2, "gamma")

    problems = problems_of(tmp_path)

    assert any("lesson 'gamma' is not listed in course.yaml" in p for p in problems)


def test_a_problem_anywhere_loads_nothing(tmp_path):
    course_dir = make_course(tmp_path)
    write_lesson(course_dir, 1, "beta", LESSON.format(title="Beta", slug="beta", factor=99))

    with pytest.raises(ContentError):
        load_content(tmp_path)

    assert not Course.objects.filter(slug="demo").exists()
    assert not Lesson.objects.filter(slug="alpha", course__slug="demo").exists()


def test_command_reports_problems_and_fails(tmp_path, capsys):
    course_dir = make_course(tmp_path)
    write_lesson(course_dir, 1, "beta", LESSON.format(title="Beta", slug="beta", factor=99))

    with pytest.raises(CommandError, match="nothing was changed"):
        call_command("load_content", path=tmp_path)

    assert "01-beta.md:4: front matter `factor`" in capsys.readouterr().err
