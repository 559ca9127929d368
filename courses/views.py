import time

from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_POST

from config.etags import mark_personal, not_modified, page_etag
from config.http import HtmxHttpRequest
from config.reader_pages import cacheable, offer_page, page_key, personal_page, render_anonymous, with_csrf
from courses import page_parts, selectors
from courses import reading as progress
from courses.access import locked_response
from courses.release import VERSION_KEY, content_version, per_release
from courses.search import search_lessons
from courses.services import lesson_progress_set


@require_GET
def home(request: HtmxHttpRequest) -> HttpResponse:
    version = content_version(reader=request.user)
    last_id = progress.last_lesson_id(request)
    # The assignments part shows deadlines passing: a page is kept for the minute it was built in at most.
    minute = int(time.time() // 60)
    key = page_key(request, name="home", version=version, also=(last_id, minute))

    def context() -> dict:
        return {
            "courses": selectors.published_courses(version=version),
            "continue_lesson": selectors.continue_lesson(user=request.user, session=request.session, last_id=last_id),
            **page_parts.parts(page_parts.HOME, request),
        }

    page = personal_page(request, key=key, template="courses/home.html", context=context, fresh_until=(minute + 1) * 60)
    return HttpResponse(page)


@require_GET
def course_list(request: HtmxHttpRequest) -> HttpResponse:
    courses = selectors.published_courses(version=content_version(reader=request.user))
    return render(request, "courses/course_list.html", {"courses": courses})


@require_GET
def syllabus(request: HtmxHttpRequest, course_slug: str) -> HttpResponse:
    version = content_version(reader=request.user)
    outline = selectors.course_outline(course_slug=course_slug, version=version)
    template = "courses/syllabus.html"
    if request.htmx and request.htmx.target == "syllabus-items":  # a cohort member's pacing poll
        template += "#syllabus-items"
    key = page_key(request, name="syllabus", version=version)
    return HttpResponse(
        personal_page(request, key=key, template=template, context=lambda: syllabus_context(request, outline))
    )


def syllabus_context(request: HtmxHttpRequest, outline: selectors.CourseOutline) -> dict:
    course, lessons = outline.course, outline.lessons
    done = selectors.completed_lesson_ids(user=request.user, session=request.session)
    return {
        "course": course,
        "lessons": lessons,
        "done_ids": done,
        "done_count": sum(1 for lesson in lessons if lesson.pk in done),
        **outline.parts,
        **page_parts.parts(page_parts.SYLLABUS, request, course=course, content=outline.parts),
    }


@require_GET
def lesson_detail(request: HtmxHttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    version = content_version(reader=request.user)
    page = selectors.lesson_page(course_slug=course_slug, lesson_slug=lesson_slug, version=version)
    lesson = page.lesson
    if locked := locked_response(request, course=lesson.course, kind="lesson", slug=lesson.slug, title=lesson.title):
        return locked
    if request.user.is_authenticated:
        response = signed_in_lesson(request, page, version=version)
    else:
        response = anonymous_lesson(request, page, version=version)
    progress.remember_last_lesson(request, response, lesson.pk)
    return response


def signed_in_lesson(request: HtmxHttpRequest, page: selectors.LessonPage, *, version: str) -> HttpResponse:
    """The whole page from the reader's page cache; its key names everything the page shows, so it is the ETag too."""
    key = page_key(request, name="lesson", version=version)

    def context() -> dict:
        done = selectors.lesson_is_done(lesson=page.lesson, user=request.user, session=request.session)
        return lesson_context(page, done=done)

    if key is None:
        return mark_personal(
            HttpResponse(personal_page(request, key=None, template=LESSON_TEMPLATE, context=context)), None
        )
    etag = page_etag(request, key)
    if (response := not_modified(request, etag)) is not None:
        return response
    return mark_personal(HttpResponse(personal_page(request, key=key, template=LESSON_TEMPLATE, context=context)), etag)


def anonymous_lesson(request: HtmxHttpRequest, page: selectors.LessonPage, *, version: str) -> HttpResponse:
    """One of the lesson's two anonymous pages of this release: progress (kept in the session) finished or not."""
    lesson = page.lesson
    done = selectors.lesson_is_done(lesson=lesson, user=request.user, session=request.session)
    etag = page_etag(request, version, lesson.pk, done)
    if (response := not_modified(request, etag)) is not None:
        return response
    if cacheable(request):
        html = anonymous_lesson_html(lesson.course.slug, lesson.slug, done, version=version)
        offer_page(request, html, depends_on={VERSION_KEY: version}, anonymous_etag_parts=(version, lesson.pk, done))
        response = HttpResponse(with_csrf(html, request))
    else:
        response = render(request, LESSON_TEMPLATE, lesson_context(page, done=done))
    return mark_personal(response, etag)


LESSON_TEMPLATE = "courses/lesson.html"


def lesson_context(page: selectors.LessonPage, *, done: bool | None = None) -> dict:
    return {
        "lesson": page.lesson,
        "course": page.lesson.course,
        "previous": page.previous,
        "next": page.following,
        "done": done,
        **page.parts,
    }


@per_release
def anonymous_lesson_html(course_slug: str, lesson_slug: str, done: bool, *, version: str) -> str:
    page = selectors.lesson_page(course_slug=course_slug, lesson_slug=lesson_slug, version=version)
    return render_anonymous(LESSON_TEMPLATE, lesson_context(page, done=done), path=page.lesson.get_absolute_url())


@require_POST
def lesson_progress(request: HtmxHttpRequest, course_slug: str, lesson_slug: str) -> HttpResponse:
    lesson = selectors.lesson_get(course_slug=course_slug, lesson_slug=lesson_slug)
    done = request.POST.get("done") == "1"
    lesson_progress_set(lesson=lesson, done=done, user=request.user, session=request.session)
    if request.htmx:
        return render(request, "courses/lesson.html#progress-control", {"lesson": lesson, "done": done})
    return redirect(lesson.get_absolute_url() + "#progress")


@require_GET
def search(request: HtmxHttpRequest) -> HttpResponse:
    query = request.GET.get("q", "").strip()
    hits = search_lessons(query) if query else []
    return render(request, "courses/search.html", {"query": query, "hits": hits})


@require_GET
def glossary(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "courses/glossary.html", {"terms": selectors.glossary_terms()})
