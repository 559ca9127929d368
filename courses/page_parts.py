"""Parts other apps add to the course pages: a lesson's quiz and the syllabus's quizzes and scores (quizzes), the
syllabus's labs and lab scores (labs), the home page's assignments (teams), the syllabus's pacing (workshops). Core
views ask for them here; an app registers its providers in its AppConfig.ready, so the arrow runs from that app to
courses, never back (see also courses.access for locks).

Two kinds of part, because the pages are cached differently:
- a *content* part is the same for every reader (which quiz a lesson has, a course's labs). Its provider takes only
  what the page is about, and courses calls it while it builds the page's content, once per content version
  (courses.release.per_release): never per request.
- a *reader* part is the reader's own (their scores, their cohort's pacing). Its provider takes the request, what
  the page is about and, on the syllabus, the page's content parts (`content=`), and is called whenever the page is
  built for a reader.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

HOME = "home"  # reader parts: provider(request)
SYLLABUS = "syllabus"  # content parts: provider(course=...); reader parts: provider(request, course=..., content=...)
LESSON = "lesson"  # content parts: provider(lesson=...)

Provider = Callable[..., dict[str, Any]]
_providers: dict[str, list[Provider]] = {}
_content_providers: dict[str, list[Provider]] = {}


def _add(registry: dict[str, list[Provider]], page: str, provider: Provider) -> None:
    providers = registry.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def register(page: str, provider: Provider) -> None:
    """Add a reader part's provider to a page."""
    _add(_providers, page, provider)


def register_content(page: str, provider: Provider) -> None:
    """Add a content part's provider to a page: what it returns must be the same for every reader."""
    _add(_content_providers, page, provider)


def parts(page: str, request: HttpRequest, **about: Any) -> dict[str, Any]:
    """Every registered reader part's context entries for this page."""
    found: dict[str, Any] = {}
    for provider in _providers.get(page, []):
        found.update(provider(request, **about))
    return found


def content_parts(page: str, **about: Any) -> dict[str, Any]:
    """Every registered content part's context entries for this page. Call it only from a per-release builder."""
    found: dict[str, Any] = {}
    for provider in _content_providers.get(page, []):
        found.update(provider(**about))
    return found
