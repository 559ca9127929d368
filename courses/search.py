"""Lesson search: PostgreSQL full-text search when the database is PostgreSQL, a word match elsewhere (SQLite).

Both return hits for lesson sections, so a result links to the heading it was found under, with a snippet whose
matches are wrapped in <mark>.
"""

import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import Q
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from courses.models import LessonSection

MAX_QUERY_LENGTH = 200
SNIPPET_WORDS = 36
BLOCK_SEPARATOR = " · "
# Markers the database puts around matches; escaped text cannot contain them, so they become <mark> safely.
START, STOP = "\x02", "\x03"


@dataclass(frozen=True)
class SearchHit:
    lesson_title: str
    heading: str
    url: str
    snippet: SafeString


def search_lessons(query: str, *, limit: int = 30) -> list[SearchHit]:
    query = " ".join(query.split())[:MAX_QUERY_LENGTH]
    if not re.search(r"\w", query):
        return []
    sections = LessonSection.objects.filter(lesson__published=True, lesson__course__published=True).select_related(
        "lesson__course"
    )
    if connection.vendor == "postgresql":
        return _postgres_search(sections, query, limit)
    return _word_search(sections, query, limit)


def _hit(section: LessonSection, snippet: str) -> SearchHit:
    lesson = section.lesson
    url = lesson.get_absolute_url() + (f"#{section.anchor}" if section.anchor else "")
    # Section text keeps one line per block (courses.markdown): a snippet shows the boundaries as separators.
    snippet = BLOCK_SEPARATOR.join(line.strip() for line in snippet.splitlines() if line.strip())
    marked = escape(snippet).replace(START, "<mark>").replace(STOP, "</mark>")
    return SearchHit(lesson_title=lesson.title, heading=section.heading, url=url, snippet=mark_safe(marked))


def _postgres_search(sections, query: str, limit: int) -> list[SearchHit]:
    from django.contrib.postgres.search import SearchHeadline, SearchQuery, SearchRank, SearchVector

    vector = SearchVector("heading", weight="A", config="english") + SearchVector("text", weight="B", config="english")
    search_query = SearchQuery(query, search_type="websearch", config="english")
    results = (
        sections.annotate(document=vector, rank=SearchRank(vector, search_query))
        .filter(document=search_query)
        .annotate(
            snippet=SearchHeadline(
                "text",
                search_query,
                config="english",
                start_sel=START,
                stop_sel=STOP,
                max_words=SNIPPET_WORDS,
                min_words=SNIPPET_WORDS // 3,
                max_fragments=2,
                fragment_delimiter=" … ",
            )
        )
        .order_by("-rank", "lesson__order", "order")[:limit]
    )
    return [_hit(section, section.snippet) for section in results]


def _word_search(sections, query: str, limit: int) -> list[SearchHit]:
    words = re.findall(r"\w+", query.lower())[:8]
    for word in words:
        sections = sections.filter(Q(text__icontains=word) | Q(heading__icontains=word))
    pattern = re.compile("|".join(re.escape(w) for w in sorted(words, key=len, reverse=True)), re.IGNORECASE)
    scored = []
    for section in sections[: limit * 4]:
        in_heading = sum(1 for w in words if w in section.heading.lower())
        count = len(pattern.findall(section.text))
        scored.append((-(in_heading * 10 + count), section.lesson.order, section.order, section))
    scored.sort(key=lambda item: item[:3])
    return [_hit(section, _snippet(section.text, pattern)) for *_, section in scored[:limit]]


def _snippet(text: str, pattern: re.Pattern) -> str:
    words = text.split(" ")  # words on either side of a line break stay one item, so the break survives
    first = next((i for i, word in enumerate(words) if pattern.search(word)), 0)
    start = max(0, first - SNIPPET_WORDS // 3)
    window = " ".join(words[start : start + SNIPPET_WORDS])
    prefix = "… " if start else ""
    suffix = " …" if start + SNIPPET_WORDS < len(words) else ""
    return prefix + pattern.sub(lambda m: f"{START}{m.group(0)}{STOP}", window) + suffix
