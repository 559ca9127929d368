"""Learners: their assignments, invitations, and taking an assessment's quizzes."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from django_htmx.http import HttpResponseClientRedirect

from config import rate_limits
from config.client_address import client_address
from config.http import HtmxHttpRequest
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.presentation import question_view
from quizzes.responses import IncompleteAnswer, TamperedAnswer, parse_answer
from teams import selectors, services
from teams.models import Certificate


@login_required
@require_GET
def assignments(request: HtmxHttpRequest) -> HttpResponse:
    return render(request, "teams/assignments.html", {"assignments": selectors.assignments_for(request.user)})


@login_required
@require_GET
def assignment_detail(request: HtmxHttpRequest, public_id) -> HttpResponse:
    assignment = selectors.assignment_for_learner(user=request.user, public_id=public_id)
    # Lab scores arrive from the worker; evaluating here records a pass (and issues the certificate) when they do.
    services.assignment_evaluate(assignment=assignment)
    context = selectors.learner_view(assignment)
    context["assignment"] = assignment
    context["assessment"] = assignment.assessment
    context["certificate"] = Certificate.objects.filter(
        user=request.user, assessment=assignment.assessment, kind=Certificate.Kind.ASSESSMENT
    ).first()
    return render(request, "teams/assignment.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: HtmxHttpRequest, token: str) -> HttpResponse:
    try:
        invite = services.invitation_find(token=token, client=client_address(request))
    except services.TooManyInvitationGuesses as refusal:
        return render(request, "teams/invitation_refused.html", {"reason": str(refusal)}, status=429)
    if invite is None:
        raise Http404("No such invitation")
    if request.method == "POST":
        try:
            services.invitation_accept(token=token, user=request.user)
        except services.InvitationInvalid as error:
            messages.error(request, str(error))
            return redirect("teams:assignments")
        messages.success(request, f"You joined {invite.organisation.name}.")
        return redirect("teams:assignments")
    used = invite.accepted_at is not None and invite.accepted_by_id != request.user.pk
    return render(request, "teams/invitation.html", {"invitation": invite, "used": used})


def attempt_url(assignment, part, attempt, name: str = "attempt") -> str:
    return reverse(f"teams:{name}", args=[assignment.public_id, part.pk, attempt.number])


def load(request: HtmxHttpRequest, public_id, part_id: int, number: int):
    assignment = selectors.assignment_for_learner(user=request.user, public_id=public_id)
    part = selectors.assignment_part(assignment=assignment, part_id=part_id)
    attempt = selectors.assessment_attempt(assignment=assignment, part=part, number=number)
    return assignment, part, attempt


@login_required
@require_POST
def attempt_start(request: HtmxHttpRequest, public_id, part_id: int) -> HttpResponse:
    assignment = selectors.assignment_for_learner(user=request.user, public_id=public_id)
    part = selectors.assignment_part(assignment=assignment, part_id=part_id)
    try:
        attempt = services.assessment_attempt_start(assignment=assignment, part=part)
    except services.AssessmentClosed as error:
        messages.error(request, str(error))
        return redirect(assignment)
    return redirect(attempt_url(assignment, part, attempt))


def hidden_question(assignment, part, attempt, item, total: int, answer, error: str = ""):
    """A question as the quiz engine presents it, with no key revealed, answered through the assessment's URL."""
    view = question_view(
        quiz=part.quiz, attempt=attempt, item=item, total=total, answer=answer, reveal=False, editable=True, error=error
    )
    view.action = reverse("teams:answer", args=[assignment.public_id, part.pk, attempt.number, item.position])
    return view


def progress_steps(rows: list[tuple[int, bool]]) -> list[dict]:
    return [
        {"position": position, "answered": answered, "current": False, "url": f"#question-{position}"}
        for position, answered in rows
    ]


@login_required
@require_GET
def attempt_detail(request: HtmxHttpRequest, public_id, part_id: int, number: int) -> HttpResponse:
    assignment, part, attempt = load(request, public_id, part_id, number)
    if attempt.submitted_at is None and not quiz_services.attempt_is_open(attempt):
        services.assessment_attempt_submit(assignment=assignment, attempt=attempt)
        messages.info(request, "Time is up: your saved answers were submitted.")
        return redirect(assignment)
    if attempt.submitted_at is not None:
        return redirect(assignment)
    items = quiz_selectors.attempt_items(attempt=attempt)
    answers = quiz_selectors.attempt_answers(attempt=attempt)
    context = {
        "assignment": assignment,
        "assessment": assignment.assessment,
        "quiz": part.quiz,
        "attempt": attempt,
        "questions": [
            hidden_question(assignment, part, attempt, item, len(items), answers.get(item.pk)) for item in items
        ],
        "progress": progress_steps([(item.position, item.pk in answers) for item in items]),
        "answered_count": len(answers),
        "total": len(items),
        "one_at_a_time": False,
        "submit_url": attempt_url(assignment, part, attempt, "attempt_submit"),
    }
    return render(request, "teams/take.html", context)


@login_required
@require_POST
def answer(request: HtmxHttpRequest, public_id, part_id: int, number: int, position: int) -> HttpResponse:
    assignment, part, attempt = load(request, public_id, part_id, number)
    item = quiz_selectors.attempt_item(attempt=attempt, position=position)
    if item is None:
        raise Http404("No such question")
    answers = rate_limits.hit(
        scope="quiz-answers", key=str(request.user.pk), limit=settings.QUIZ_ANSWERS_PER_MINUTE, window_seconds=60
    )
    if not answers.allowed:
        return HttpResponse("Too many answers in a minute: wait a moment and try again.", status=429)
    here = attempt_url(assignment, part, attempt)
    error = ""
    saved = None
    try:
        if not quiz_services.attempt_is_open(attempt):
            raise quiz_services.AttemptClosed
        parsed = parse_answer(attempt=attempt, version=item.version, data=request.POST)
        saved = quiz_services.answer_save(
            attempt=attempt, item=item, given=parsed.given, response=parsed.response
        ).answer
    except TamperedAnswer:
        return HttpResponseBadRequest("This answer does not belong to the question.")
    except IncompleteAnswer as incomplete:
        error = str(incomplete)
    except quiz_services.AttemptClosed:
        return HttpResponseClientRedirect(here) if request.htmx else redirect(here)
    if not request.htmx:
        if error:
            messages.error(request, f"Question {position}: {error}")
        return redirect(f"{here}#question-{position}")
    rows = quiz_selectors.attempt_progress(attempt=attempt)
    if saved is None:
        saved = quiz_selectors.attempt_answers(attempt=attempt).get(item.pk)
    context = {
        "quiz": part.quiz,
        "attempt": attempt,
        "question": hidden_question(assignment, part, attempt, item, len(rows), saved, error),
        "progress": progress_steps(rows),
        "answered_count": sum(answered for _, answered in rows),
        "total": len(rows),
        "one_at_a_time": False,
    }
    return render(request, "teams/take.html#answered", context)


@login_required
@require_POST
def attempt_submit(request: HtmxHttpRequest, public_id, part_id: int, number: int) -> HttpResponse:
    assignment, part, attempt = load(request, public_id, part_id, number)
    services.assessment_attempt_submit(assignment=assignment, attempt=attempt)
    messages.success(request, f"{part.quiz.title}: attempt {attempt.number} submitted.")
    return redirect(assignment)
