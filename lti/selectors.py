"""Reads of the LTI tool: the catalogue an instructor picks links from."""

from __future__ import annotations

from dataclasses import dataclass

from courses.models import Lesson
from labs.models import Lab
from quizzes.models import Quiz


@dataclass(frozen=True)
class CatalogueItem:
    key: str  # what the picker form posts back: "<kind>:<pk>"
    kind: str
    title: str
    path: str
    course_title: str
    gradable: bool


def catalogue_items() -> list[CatalogueItem]:
    """Every published lesson, quiz and lab, grouped by course; quizzes and labs carry a score."""
    items = [
        CatalogueItem(f"lesson:{o.pk}", "Lesson", o.title, o.get_absolute_url(), o.course.title, False)
        for o in Lesson.objects.published().select_related("course").order_by("course__order", "order")
    ]
    items += [
        CatalogueItem(f"quiz:{o.pk}", "Quiz", o.title, o.get_absolute_url(), o.course.title, True)
        for o in Quiz.objects.published().select_related("course").order_by("course__order", "slug")
    ]
    items += [
        CatalogueItem(f"lab:{o.pk}", "Lab", o.title, o.get_absolute_url(), o.course.title, True)
        for o in Lab.objects.published().select_related("course").order_by("course__order", "order")
    ]
    return items


def catalogue_items_chosen(*, keys: list[str]) -> list[CatalogueItem]:
    """The catalogue items the picker posted, in catalogue order; unknown keys are ignored."""
    wanted = set(keys)
    return [item for item in catalogue_items() if item.key in wanted]
