"""What quizzes adds to the course pages (courses.page_parts): a lesson's quiz; on the syllabus the lessons' quizzes,
the final quiz and the reader's scores on them."""

from collections.abc import Mapping
from typing import Any

from django.http import HttpRequest

from courses.models import Course, Lesson
from quizzes.selectors import best_scores, lesson_quizzes, quiz_for_lesson, quiz_get, quiz_score


def lesson_content(*, lesson: Lesson) -> dict[str, Any]:
    return {"quiz": quiz_for_lesson(lesson)}


def syllabus_content(*, course: Course) -> dict[str, Any]:
    return {
        "lesson_quizzes": lesson_quizzes(course),
        "final_quiz": quiz_get(course_slug=course.slug, quiz_slug="final"),
    }


def syllabus_scores(request: HttpRequest, *, course: Course, content: Mapping[str, Any]) -> dict[str, Any]:
    user, final_quiz = request.user, content.get("final_quiz")
    return {
        "quiz_scores": best_scores(user=user, course=course),
        "final_score": quiz_score(user=user, quiz=final_quiz) if final_quiz and user.is_authenticated else None,
    }
