"""Checks on a lesson's markdown body that the renderer would otherwise accept silently."""

import re

from courses.content.errors import ContentProblem
from courses.content.frontmatter import LessonSource
from courses.markdown import ADMONITION_KINDS, ALT_PREFIX, RenderedLesson

FENCE = re.compile(r"^(?P<indent>\s*)(?P<fence>`{3,}|~{3,})(?P<info>.*)$")
ADMONITION = re.compile(r"^\s*(?:!!!|\?\?\?\+?)\s+(?P<kind>[\w-]+)")
H1 = re.compile(r"^#\s")
HEADING = re.compile(r"^(#{2,3})\s+(?P<text>.+?)\s*#*\s*$")
GLOSSARY_LINK = re.compile(r"\]\(/glossary/#(?P<slug>[^)\s]+)\)")
LESSON_LINK = re.compile(r"\]\(/courses/(?P<course>[a-z0-9-]+)/(?P<lesson>[a-z0-9-]+)/(?:#(?P<anchor>[^)\s]+))?\)")


def check_body(source: LessonSource, problems: list[ContentProblem]) -> None:
    """Fences name a language, diagrams carry a text alternative, only known callouts, no second <h1>."""
    lines = source.body.splitlines()
    open_fence: str | None = None
    for index, line in enumerate(lines):
        number = source.body_first_line + index
        match = FENCE.match(line)
        if match and open_fence is None:
            open_fence = match["fence"]
            info = match["info"].strip()
            if not info:
                problems.append(ContentProblem(source.path, number, "code fence has no language (e.g. ```python)"))
            elif info.split()[0].lstrip("{.") == "mermaid":
                following = next((x.strip() for x in lines[index + 1 :] if x.strip()), "")
                if not following.startswith(ALT_PREFIX):
                    problems.append(
                        ContentProblem(
                            source.path, number, f"diagram has no text alternative: start it with '{ALT_PREFIX} ...'"
                        )
                    )
            continue
        if match and open_fence and match["fence"].startswith(open_fence[0]) and not match["info"].strip():
            open_fence = None
            continue
        if open_fence:
            continue
        if H1.match(line):
            problems.append(
                ContentProblem(source.path, number, "a '# ' heading: the title is the page's only h1; start at '##'")
            )
        admonition = ADMONITION.match(line)
        if admonition and admonition["kind"] not in ADMONITION_KINDS:
            kinds = ", ".join(sorted(ADMONITION_KINDS))
            problems.append(
                ContentProblem(source.path, number, f"unknown callout '{admonition['kind']}' (use one of: {kinds})")
            )
    if open_fence:
        problems.append(
            ContentProblem(source.path, source.body_first_line + len(lines) - 1, "code fence is never closed")
        )


def check_unique_headings(source: LessonSource, rendered: RenderedLesson, problems: list[ContentProblem]) -> None:
    ids = rendered.anchors
    for heading_id in sorted(ids):
        base = heading_id.rsplit("_", 1)[0]
        if re.search(r"_\d+$", heading_id) and base in ids:
            line = _line_of_heading(source, base)
            problems.append(
                ContentProblem(
                    source.path,
                    line,
                    f"two headings share the anchor '#{base}': quizzes link by anchor, make them unique",
                )
            )


def check_links(
    source: LessonSource,
    *,
    course_slug: str,
    anchors: dict[str, set[str]],
    glossary: set[str],
    problems: list[ContentProblem],
) -> None:
    """Every glossary link names a term; every link to a lesson of this course names a real lesson and heading."""
    for index, line in enumerate(source.body.splitlines()):
        number = source.body_first_line + index
        for match in GLOSSARY_LINK.finditer(line):
            if match["slug"] not in glossary:
                problems.append(ContentProblem(source.path, number, f"glossary has no term '{match['slug']}'"))
        for match in LESSON_LINK.finditer(line):
            if match["course"] != course_slug:
                continue
            lesson, anchor = match["lesson"], match["anchor"]
            if lesson not in anchors:
                problems.append(ContentProblem(source.path, number, f"link to unknown lesson '{lesson}'"))
            elif anchor and anchor not in anchors[lesson]:
                problems.append(ContentProblem(source.path, number, f"lesson '{lesson}' has no heading '#{anchor}'"))


def _line_of_heading(source: LessonSource, anchor: str) -> int | None:
    from markdown.extensions.toc import slugify

    for index, line in enumerate(source.body.splitlines()):
        match = HEADING.match(line)
        if match and slugify(match["text"], "-") == anchor:
            return source.body_first_line + index
    return None
