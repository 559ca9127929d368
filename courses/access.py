"""Whether a learner may open a course item (lesson, quiz, lab) now: a hook the feature apps fill.

Core apps (courses, quizzes, labs) ask `locked_response()` before rendering an item; they do not know who locks it.
Workshops registers its pacing gate here when it is installed (`WorkshopsConfig.ready`), so the arrow runs from the
feature app to the core, never back.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from django.http import HttpRequest, HttpResponse

from courses.models import Course


class Gate(Protocol):
    def __call__(
        self, request: HttpRequest, *, course: Course, kind: str, slug: str, title: str
    ) -> HttpResponse | None: ...


_gates: list[Gate] = []


def register_gate(gate: Gate) -> Callable[[], None]:
    """Add a gate (once); the returned function removes it again (for tests)."""
    if gate not in _gates:
        _gates.append(gate)
    return lambda: _gates.remove(gate) if gate in _gates else None


def locked_response(request: HttpRequest, *, course: Course, kind: str, slug: str, title: str) -> HttpResponse | None:
    """The first registered gate's refusal page (a 403), or None when the learner may open the item."""
    for gate in _gates:
        if (response := gate(request, course=course, kind=kind, slug=slug, title=title)) is not None:
            return response
    return None
