"""Parts feature apps add to the core's pages: the home page's assignments (teams), the syllabus's pacing
(workshops). Core views ask `parts()` for them; a feature app registers its provider in its AppConfig.ready, so the
arrow runs from the feature app to the core (see also courses.access for locks)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest

HOME = "home"
SYLLABUS = "syllabus"

# A provider takes the request and what the page is about (course=... for the syllabus) and returns context entries.
Provider = Callable[..., dict[str, Any]]
_providers: dict[str, list[Provider]] = {}


def register(page: str, provider: Provider) -> None:
    providers = _providers.setdefault(page, [])
    if provider not in providers:
        providers.append(provider)


def parts(page: str, request: HttpRequest, **about: Any) -> dict[str, Any]:
    """Every registered provider's context entries for this page."""
    found: dict[str, Any] = {}
    for provider in _providers.get(page, []):
        found.update(provider(request, **about))
    return found
