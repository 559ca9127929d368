"""The page a cohort member sees when they open an item their instructor has not unlocked yet."""

from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse

from courses.models import Course
from workshops.selectors import item_locked


def locked_response(request: HttpRequest, *, course: Course, kind: str, slug: str, title: str) -> HttpResponse | None:
    """A clear 403 page if the item is locked for this user, else None (the caller renders the item)."""
    if not item_locked(user=request.user, course=course, kind=kind, slug=slug):
        return None
    context = {"course": course, "kind": kind, "title": title}
    return TemplateResponse(request, "workshops/locked.html", context, status=403).render()
