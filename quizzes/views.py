from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST
from django_htmx.http import HttpResponseClientRedirect

from config import rate_limits
from config.http import HtmxHttpRequest
from courses.access import locked_response
from quizzes import selectors, services
from quizzes.models import Attempt, AttemptItem, Quiz
from quizzes.presentation import question_view, should_reveal
from quizzes.responses import IncompleteAnswer, TamperedAnswer, parse_answer


def get_quiz(course_slug: str, quiz_slug: str) -> Quiz:
    quiz = selectors.quiz_get(course_slug=course_slug, quiz_slug=quiz_slug)
    if quiz is None:
        raise Http404("No such quiz")
    return quiz


def get_attempt(request: HtmxHttpRequest, quiz: Quiz, number: int) -> Attempt:
    attempt = selectors.attempt_get(user=request.user, quiz=quiz, number=number)
    if attempt is None:
        raise Http404("No such attempt")
    return attempt


def attempt_url(attempt: Attempt, name: str = "attempt") -> str:
    quiz = attempt.quiz
    return reverse(f"quizzes:{name}", args=[quiz.course.slug, quiz.slug, attempt.number])


@login_required
@require_GET
def quiz_detail(request: HtmxHttpRequest, course_slug: str, quiz_slug: str) -> HttpResponse:
    quiz = get_quiz(course_slug, quiz_slug)
    if locked := locked_response(request, course=quiz.course, kind="quiz", slug=quiz.slug, title=quiz.title):
        return locked
    attempts = selectors.attempts_for(user=request.user, quiz=quiz)
    open_attempt = next((a for a in attempts if a.submitted_at is None), None)
    context = {
        "quiz": quiz,
        "attempts": [a for a in attempts if a.submitted_at is not None],
        "open_attempt": open_attempt,
        "counted_score": selectors.counted_score(attempts=attempts, quiz=quiz),
        "question_count": selectors.quiz_question_count(quiz=quiz),
        "attempts_left": max(quiz.attempts_allowed - len(attempts), 0) if quiz.attempts_allowed else None,
    }
    return render(request, "quizzes/quiz.html", context)


@login_required
@require_POST
def attempt_start(request: HtmxHttpRequest, course_slug: str, quiz_slug: str) -> HttpResponse:
    quiz = get_quiz(course_slug, quiz_slug)
    if locked := locked_response(request, course=quiz.course, kind="quiz", slug=quiz.slug, title=quiz.title):
        return locked
    try:
        attempt = services.attempt_start(user=request.user, quiz=quiz)
    except services.AttemptLimitReached:
        messages.error(request, "You have used every attempt this quiz allows.")
        return redirect(quiz)
    attempt.quiz = quiz
    return redirect(attempt_url(attempt))


def attempt_context(
    request: HtmxHttpRequest,
    quiz: Quiz,
    attempt: Attempt,
    current: int | None,
    *,
    error_item: AttemptItem | None = None,
    error: str = "",
    locked: bool = False,
) -> dict:
    items = selectors.attempt_items(attempt=attempt)
    answers = selectors.attempt_answers(attempt=attempt)
    total = len(items)
    if current is None:
        current = next((item.position for item in items if item.pk not in answers), 1)
    current = min(max(current, 1), max(total, 1))
    shown = items if quiz.display == Quiz.Display.ALL else [i for i in items if i.position == current]
    questions = [
        question_view(
            quiz=quiz,
            attempt=attempt,
            item=item,
            total=total,
            answer=answers.get(item.pk),
            reveal=should_reveal(quiz, attempt, answers.get(item.pk)),
            editable=True,
            error=error if item == error_item else "",
            locked=locked and item == error_item,
        )
        for item in shown
    ]
    base = attempt_url(attempt)
    progress = progress_steps(quiz, base, [(item.position, item.pk in answers) for item in items], current)
    one = quiz.display == Quiz.Display.ONE
    return {
        "quiz": quiz,
        "attempt": attempt,
        "questions": questions,
        "progress": progress,
        "answered_count": len(answers),
        "total": total,
        "current": current,
        "one_at_a_time": one,
        "previous_url": f"{base}?q={current - 1}" if one and current > 1 else "",
        "next_url": f"{base}?q={current + 1}" if one and current < total else "",
        "submit_url": attempt_url(attempt, "attempt_submit"),
    }


@login_required
@require_GET
def attempt_detail(request: HtmxHttpRequest, course_slug: str, quiz_slug: str, number: int) -> HttpResponse:
    quiz = get_quiz(course_slug, quiz_slug)
    attempt = get_attempt(request, quiz, number)
    if attempt.submitted_at is None and not services.attempt_is_open(attempt):
        services.attempt_submit(attempt=attempt)  # the time limit ran out: score what was saved
        messages.info(request, "Time is up: your saved answers were submitted.")
        attempt.refresh_from_db()
    if attempt.submitted_at is not None:
        return redirect(attempt_url(attempt, "attempt_results"))
    requested = request.GET.get("q", "")
    current = int(requested) if requested.isdigit() else None
    return render(request, "quizzes/attempt.html", attempt_context(request, quiz, attempt, current))


@login_required
@require_POST
def answer(request: HtmxHttpRequest, course_slug: str, quiz_slug: str, number: int, position: int) -> HttpResponse:
    item = selectors.attempt_item_for_answer(
        user=request.user, course_slug=course_slug, quiz_slug=quiz_slug, number=number, position=position
    )
    if item is None:
        raise Http404("No such question")
    attempt = item.attempt
    quiz = attempt.quiz
    answers = rate_limits.hit(
        scope="quiz-answers", key=str(request.user.pk), limit=settings.QUIZ_ANSWERS_PER_MINUTE, window_seconds=60
    )
    if not answers.allowed:
        return HttpResponse("Too many answers in a minute: wait a moment and try again.", status=429)
    closed_url = attempt_url(attempt, "attempt_results" if attempt.submitted_at else "attempt")
    if not services.attempt_is_open(attempt):
        return HttpResponseClientRedirect(closed_url) if request.htmx else redirect(closed_url)
    error = ""
    result = None
    try:
        parsed = parse_answer(attempt=attempt, version=item.version, data=request.POST)
        result = services.answer_save(attempt=attempt, item=item, given=parsed.given, response=parsed.response)
    except TamperedAnswer:
        return HttpResponseBadRequest("This answer does not belong to the question.")
    except IncompleteAnswer as incomplete:
        error = str(incomplete)
    except services.AttemptClosed:
        return HttpResponseClientRedirect(closed_url) if request.htmx else redirect(closed_url)
    if request.htmx:
        saved = result.answer if result else selectors.attempt_answers(attempt=attempt).get(item.pk)
        return render(
            request, "quizzes/attempt.html#answered", answered_context(quiz, attempt, item, saved, result, error)
        )
    if error:
        context = attempt_context(request, quiz, attempt, position, error_item=item, error=error)
        return render(request, "quizzes/attempt.html", context, status=422)
    if quiz.display == Quiz.Display.ALL:
        return redirect(f"{attempt_url(attempt)}#question-{position}")
    show = position if quiz.feedback == Quiz.Feedback.IMMEDIATE else min(position + 1, attempt.items.count())
    return redirect(f"{attempt_url(attempt)}?q={show}#question-{show}")


def answered_context(quiz: Quiz, attempt: Attempt, item: AttemptItem, saved, result, error: str) -> dict:
    """The htmx answer response: the question re-rendered, and the progress (swapped out of band)."""
    rows = selectors.attempt_progress(attempt=attempt)
    one = quiz.display == Quiz.Display.ONE
    base = attempt_url(attempt)
    question = question_view(
        quiz=quiz,
        attempt=attempt,
        item=item,
        total=len(rows),
        answer=saved,
        reveal=should_reveal(quiz, attempt, saved),
        editable=True,
        error=error,
        locked=bool(result and result.locked),
    )
    return {
        "quiz": quiz,
        "attempt": attempt,
        "question": question,
        "progress": progress_steps(quiz, base, rows, item.position),
        "answered_count": sum(answered for _, answered in rows),
        "total": len(rows),
        "one_at_a_time": one,
        "next_url": f"{base}?q={item.position + 1}" if one and item.position < len(rows) else "",
    }


def progress_steps(quiz: Quiz, base: str, rows: list[tuple[int, bool]], current: int) -> list[dict]:
    one = quiz.display == Quiz.Display.ONE
    return [
        {
            "position": position,
            "answered": answered,
            "current": position == current,
            "url": f"{base}?q={position}" if one else f"#question-{position}",
        }
        for position, answered in rows
    ]


@login_required
@require_POST
def attempt_submit(request: HtmxHttpRequest, course_slug: str, quiz_slug: str, number: int) -> HttpResponse:
    quiz = get_quiz(course_slug, quiz_slug)
    attempt = get_attempt(request, quiz, number)
    services.attempt_submit(attempt=attempt)
    return redirect(attempt_url(attempt, "attempt_results"))


@login_required
@require_GET
def attempt_results(request: HtmxHttpRequest, course_slug: str, quiz_slug: str, number: int) -> HttpResponse:
    quiz = get_quiz(course_slug, quiz_slug)
    attempt = get_attempt(request, quiz, number)
    if attempt.submitted_at is None:
        return redirect(attempt_url(attempt))
    items = selectors.attempt_items(attempt=attempt)
    answers = selectors.attempt_answers(attempt=attempt)
    questions = [
        question_view(
            quiz=quiz,
            attempt=attempt,
            item=item,
            total=len(items),
            answer=answers.get(item.pk),
            reveal=True,
            editable=False,
        )
        for item in items
    ]
    attempts = selectors.attempts_for(user=request.user, quiz=quiz)
    context = {
        "quiz": quiz,
        "attempt": attempt,
        "questions": questions,
        "to_review": selectors.review_links(quiz=quiz, items=items, answers=answers),
        "counted_score": selectors.counted_score(attempts=attempts, quiz=quiz),
        "can_retry": not quiz.attempts_allowed or len(attempts) < quiz.attempts_allowed,
    }
    return render(request, "quizzes/results.html", context)
