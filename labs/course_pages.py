"""What labs adds to the course pages (courses.page_parts): the syllabus's labs and the reader's best scores."""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from courses.models import Course
from labs.selectors import best_lab_scores, course_labs


def syllabus_content(*, course: Course) -> dict[str, Any]:
    return {"labs": course_labs(course)}


def syllabus_scores(request: HttpRequest, *, course: Course, content: Mapping[str, Any]) -> dict[str, Any]:
    return {"lab_scores": best_lab_scores(user=request.user, course=course)}
