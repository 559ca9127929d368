"""Which lesson, quiz or lab a link names: links are our own item URLs (what Deep Linking hands out)."""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from courses.models import Lesson
from labs.models import Lab
from quizzes.models import Quiz

# view name → (item kind, lookup of the published item from the URL's kwargs)
ITEM_VIEWS = {
    "courses:lesson": (
        "lesson",
        lambda kw: Lesson.objects.published().filter(course__slug=kw["course_slug"], slug=kw["lesson_slug"]),
    ),
    "quizzes:quiz": (
        "quiz",
        lambda kw: Quiz.objects.published().filter(course__slug=kw["course_slug"], slug=kw["quiz_slug"]),
    ),
    "labs:detail": (
        "lab",
        lambda kw: Lab.objects.published().filter(course__slug=kw["course_slug"], slug=kw["lab_slug"]),
    ),
}
GRADABLE_KINDS = {"quiz", "lab"}


@dataclass(frozen=True)
class ItemTarget:
    path: str
    key: str  # "<kind>:<pk>", as the catalogue names items
    course_slug: str

    @property
    def gradable(self) -> bool:
        return self.key.partition(":")[0] in GRADABLE_KINDS


def item_target(*, target_link_uri: str, site_url: str) -> ItemTarget | None:
    """The item the link names, or None when it names no published item of this site (an open redirect would
    otherwise be one launch away)."""
    target, site = urlsplit(target_link_uri or ""), urlsplit(site_url)
    if (target.scheme, target.netloc) != (site.scheme, site.netloc):
        return None
    try:
        match = resolve(target.path)
    except Resolver404:
        return None
    if match.view_name not in ITEM_VIEWS:
        return None
    kind, lookup = ITEM_VIEWS[match.view_name]
    pk = lookup(match.kwargs).values_list("pk", flat=True).first()
    if pk is None:
        return None
    return ItemTarget(path=target.path, key=f"{kind}:{pk}", course_slug=match.kwargs["course_slug"])
