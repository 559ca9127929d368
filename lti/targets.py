"""Which lesson, quiz or lab a link names: links are our own item URLs (what Deep Linking hands out)."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.urls import Resolver404, resolve

from courses.models import Lesson
from labs.models import Lab
from quizzes.models import Quiz

ITEM_VIEWS = {
    "courses:lesson": lambda kw: Lesson.objects.published().filter(
        course__slug=kw["course_slug"], slug=kw["lesson_slug"]
    ),
    "quizzes:quiz": lambda kw: Quiz.objects.published().filter(course__slug=kw["course_slug"], slug=kw["quiz_slug"]),
    "labs:detail": lambda kw: Lab.objects.published().filter(course__slug=kw["course_slug"], slug=kw["lab_slug"]),
}


def item_path(*, target_link_uri: str, site_url: str) -> str | None:
    """The path of the item the link names, or None when it names no published item of this site (an open
    redirect would otherwise be one launch away)."""
    target, site = urlsplit(target_link_uri or ""), urlsplit(site_url)
    if (target.scheme, target.netloc) != (site.scheme, site.netloc):
        return None
    try:
        match = resolve(target.path)
    except Resolver404:
        return None
    lookup = ITEM_VIEWS.get(match.view_name)
    return target.path if lookup and lookup(match.kwargs).exists() else None
