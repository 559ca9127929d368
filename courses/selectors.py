from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.contrib.sessions.backends.base import SessionBase
from django.db.models import Count, Q
from django.http import Http404
from django.shortcuts import get_object_or_404

from courses import page_parts
from courses import reading as progress
from courses.models import Course, GlossaryTerm, Lesson, LessonProgress
from courses.release import per_release


def course_list():
    return Course.objects.published().annotate(lesson_count=Count("lessons", filter=Q(lessons__published=True)))


def course_get(slug: str) -> Course:
    return get_object_or_404(Course.objects.published(), slug=slug)


def lesson_get(*, course_slug: str, lesson_slug: str) -> Lesson:
    return get_object_or_404(
        Lesson.objects.published().select_related("course"), course__slug=course_slug, slug=lesson_slug
    )


def course_lessons(course: Course) -> list[Lesson]:
    """The syllabus: published lessons in order, without their (large) rendered HTML."""
    return list(course.lessons.published().defer("html", "toc", "toc_html"))


def lesson_neighbours(lesson: Lesson) -> tuple[Lesson | None, Lesson | None]:
    """The previous and next published lessons of the same course, from one small query."""
    outline = list(Lesson.objects.published().filter(course_id=lesson.course_id).only("slug", "title", "order"))
    for sibling in outline:
        sibling.course = lesson.course  # same course: spare get_absolute_url a query each
    position = next(i for i, sibling in enumerate(outline) if sibling.pk == lesson.pk)
    previous = outline[position - 1] if position > 0 else None
    following = outline[position + 1] if position + 1 < len(outline) else None
    return previous, following


# --- Content, the same for every reader: built once per content version (courses.release) ---------------------


@dataclass(frozen=True)
class LessonPage:
    """Everything on a lesson page that is not the reader's: the lesson with its HTML, its neighbours, and the
    content parts other apps add (page_parts.LESSON: its quiz)."""

    lesson: Lesson
    previous: Lesson | None
    following: Lesson | None
    parts: dict[str, Any]


@dataclass(frozen=True)
class CourseOutline:
    """Everything on a syllabus that is not the reader's: the course, its lessons, and the content parts other apps
    add (page_parts.SYLLABUS: the lessons' quizzes, the final quiz, the labs)."""

    course: Course
    lessons: list[Lesson]
    parts: dict[str, Any]


def lesson_page(*, course_slug: str, lesson_slug: str, version: str) -> LessonPage:
    page = _lesson_page(course_slug, lesson_slug, version=version)
    if page is None:
        raise Http404("No such lesson")
    return page


@per_release
def _lesson_page(course_slug: str, lesson_slug: str, *, version: str) -> LessonPage | None:
    lesson = Lesson.objects.published().select_related("course").filter(course__slug=course_slug, slug=lesson_slug)
    lesson = lesson.first()
    if lesson is None:
        return None
    previous, following = lesson_neighbours(lesson)
    parts = page_parts.content_parts(page_parts.LESSON, lesson=lesson)
    return LessonPage(lesson=lesson, previous=previous, following=following, parts=parts)


def course_outline(*, course_slug: str, version: str) -> CourseOutline:
    outline = _course_outline(course_slug, version=version)
    if outline is None:
        raise Http404("No such course")
    return outline


@per_release
def _course_outline(course_slug: str, *, version: str) -> CourseOutline | None:
    course = Course.objects.published().filter(slug=course_slug).first()
    if course is None:
        return None
    lessons = course_lessons(course)
    for lesson in lessons:
        lesson.course = course  # spare get_absolute_url a query each
    return CourseOutline(
        course=course, lessons=lessons, parts=page_parts.content_parts(page_parts.SYLLABUS, course=course)
    )


@per_release
def published_courses(*, version: str) -> list[Course]:
    return list(course_list())


# --- The reader's own: never cached across readers -----------------------------------------------------------------


def completed_lesson_ids(*, user: User | AnonymousUser | None, session: SessionBase) -> set[int]:
    if user is not None and user.is_authenticated:
        return set(LessonProgress.objects.filter(user=user).values_list("lesson_id", flat=True))
    return progress.session_lesson_ids(session)


def lesson_is_done(*, lesson: Lesson, user: User | AnonymousUser | None, session: SessionBase) -> bool:
    if user is not None and user.is_authenticated:
        return LessonProgress.objects.filter(user=user, lesson=lesson).exists()
    return lesson.pk in progress.session_lesson_ids(session)


@dataclass(frozen=True)
class ContinueOffer:
    lesson: Lesson
    next_up: bool  # the last lesson opened is finished: this is the one after it, not the one left half-read


def continue_lesson(
    *, user: User | AnonymousUser | None, session: SessionBase, last_id: int | None
) -> ContinueOffer | None:
    """The lesson to offer on the home page: the last one opened if it is unfinished, else the first unfinished
    lesson after it (the reader moves on rather than back), else the first unfinished of all."""
    done = completed_lesson_ids(user=user, session=session)
    if not done and last_id is None:
        return None
    lessons = Lesson.objects.published().select_related("course").defer("html", "toc", "toc_html")
    last = lessons.filter(pk=last_id).first() if last_id is not None else None
    if last is not None and last.pk not in done:
        return ContinueOffer(lesson=last, next_up=False)
    unfinished = lessons.exclude(pk__in=done).order_by("course__order", "order")
    following = None
    if last is not None:
        following = unfinished.filter(
            Q(course__order__gt=last.course.order) | Q(course=last.course, order__gt=last.order)
        ).first()
    lesson = following or unfinished.first()
    return ContinueOffer(lesson=lesson, next_up=True) if lesson else None


def first_lesson() -> Lesson | None:
    """Where a newcomer starts: the first published lesson of the first published course."""
    lessons = Lesson.objects.published().select_related("course")
    return lessons.defer("html", "toc", "toc_html").order_by("course__order", "order").first()


def glossary_terms() -> list[GlossaryTerm]:
    """Terms of published courses, each with `lesson_links`: (title, url) of the lessons that explain it."""
    terms = list(GlossaryTerm.objects.filter(course__published=True).select_related("course"))
    lessons = {
        (lesson.course_id, lesson.slug): lesson
        for lesson in Lesson.objects.published().select_related("course").only("slug", "title", "course__slug")
    }
    for term in terms:
        found = [lessons.get((term.course_id, slug)) for slug in term.lessons]
        term.lesson_links = [(lesson.title, lesson.get_absolute_url()) for lesson in found if lesson]
    return terms
