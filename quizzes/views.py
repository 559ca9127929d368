from django.contrib import messages
from django.contrib.admin.views.decorators import staff_member_required
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_POST

from config.http import AuthenticatedHttpRequest, HtmxHttpRequest
from courses.access import locked_response
from quizzes import flow, selectors, services
from quizzes.exchange import FORMATS
from quizzes.exchange.export import quizzes_export
from quizzes.flow import AnswerFlow
from quizzes.models import Attempt, Quiz
from quizzes.presentation import question_view


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
def quiz_detail(request: AuthenticatedHttpRequest, course_slug: str, quiz_slug: str) -> HttpResponse:
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
def attempt_start(request: AuthenticatedHttpRequest, course_slug: str, quiz_slug: str) -> HttpResponse:
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


def answer_flow(attempt: Attempt) -> AnswerFlow:
    """A practice attempt in the shared answer flow, answered through the quiz's own URLs."""
    quiz = attempt.quiz
    closed_name = "attempt_results" if attempt.submitted_at else "attempt"
    return AnswerFlow(
        attempt=attempt,
        quiz=quiz,
        template="quizzes/attempt.html",
        page_url=attempt_url(attempt),
        submit_url=attempt_url(attempt, "attempt_submit"),
        closed_url=attempt_url(attempt, closed_name),
        answer_url=lambda position: reverse(
            "quizzes:answer", args=[quiz.course.slug, quiz.slug, attempt.number, position]
        ),
        reveal_as_you_go=quiz.feedback == Quiz.Feedback.IMMEDIATE,
        one_at_a_time=quiz.display == Quiz.Display.ONE,
    )


@login_required
@require_GET
def attempt_detail(request: AuthenticatedHttpRequest, course_slug: str, quiz_slug: str, number: int) -> HttpResponse:
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
    return flow.render_page(request, answer_flow(attempt), current)


@login_required
@require_POST
def answer(
    request: AuthenticatedHttpRequest, course_slug: str, quiz_slug: str, number: int, position: int
) -> HttpResponse:
    item = selectors.attempt_item_for_answer(
        user=request.user, course_slug=course_slug, quiz_slug=quiz_slug, number=number, position=position
    )
    if item is None:
        raise Http404("No such question")
    return flow.answer_post(request, answer_flow(item.attempt), item)


@login_required
@require_POST
def attempt_submit(request: AuthenticatedHttpRequest, course_slug: str, quiz_slug: str, number: int) -> HttpResponse:
    quiz = get_quiz(course_slug, quiz_slug)
    attempt = get_attempt(request, quiz, number)
    flow.submit_post(request, answer_flow(attempt))
    services.attempt_submit(attempt=attempt)
    return redirect(attempt_url(attempt, "attempt_results"))


@login_required
@require_GET
def attempt_results(request: AuthenticatedHttpRequest, course_slug: str, quiz_slug: str, number: int) -> HttpResponse:
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


@staff_member_required
@require_GET
def quiz_export(request: HtmxHttpRequest, course_slug: str, quiz_slug: str, format: str) -> HttpResponse:
    """The quiz as a file for another platform; what the format cannot hold is listed inside the file."""
    quiz = get_object_or_404(Quiz, course__slug=course_slug, slug=quiz_slug)
    if format not in FORMATS:
        raise Http404("No such export format")
    data, _ = quizzes_export(quizzes=[quiz], format=format)
    exchange_format = FORMATS[format]
    response = HttpResponse(data, content_type=exchange_format.content_type)
    filename = f"{quiz.slug}-{format}.{exchange_format.extension}"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
