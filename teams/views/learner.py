"""Learners: their assignments, invitations, and taking an assessment's quizzes."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.client_address import client_address
from config.http import AuthenticatedHttpRequest
from quizzes import flow
from quizzes import selectors as quiz_selectors
from quizzes import services as quiz_services
from quizzes.flow import AnswerFlow
from teams import selectors, services
from teams.models import Certificate


@login_required
@require_GET
def assignments(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(request, "teams/assignments.html", {"assignments": selectors.assignments_for(request.user)})


@login_required
@require_GET
def assignment_detail(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    assignment = selectors.assignment_for_learner(user=request.user, public_id=public_id)
    context = selectors.learner_view(assignment)
    context["assignment"] = assignment
    context["assessment"] = assignment.assessment
    context["certificate"] = Certificate.objects.filter(
        user=request.user, assessment=assignment.assessment, kind=Certificate.Kind.ASSESSMENT
    ).first()
    return render(request, "teams/assignment.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def invitation(request: AuthenticatedHttpRequest, token: str) -> HttpResponse:
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


def load(request: AuthenticatedHttpRequest, public_id, part_id: int, number: int):
    assignment = selectors.assignment_for_learner(user=request.user, public_id=public_id)
    part = selectors.assignment_part(assignment=assignment, part_id=part_id)
    attempt = selectors.assessment_attempt(assignment=assignment, part=part, number=number)
    return assignment, part, attempt


@login_required
@require_POST
def attempt_start(request: AuthenticatedHttpRequest, public_id, part_id: int) -> HttpResponse:
    assignment = selectors.assignment_for_learner(user=request.user, public_id=public_id)
    part = selectors.assignment_part(assignment=assignment, part_id=part_id)
    try:
        attempt = services.assessment_attempt_start(assignment=assignment, part=part)
    except services.AssessmentClosed as error:
        messages.error(request, str(error))
        return redirect(assignment)
    return redirect(attempt_url(assignment, part, attempt))


def answer_flow(assignment, part, attempt) -> AnswerFlow:
    """An assessment attempt in the shared answer flow: answered through the assessment's URLs, no key shown."""
    return AnswerFlow(
        attempt=attempt,
        quiz=part.quiz,
        template="teams/take.html",
        page_url=attempt_url(assignment, part, attempt),
        submit_url=attempt_url(assignment, part, attempt, "attempt_submit"),
        closed_url=assignment.get_absolute_url(),
        answer_url=lambda position: reverse(
            "teams:answer", args=[assignment.public_id, part.pk, attempt.number, position]
        ),
        reveal_as_you_go=False,
        page_context={"assignment": assignment, "assessment": assignment.assessment},
    )


@login_required
@require_GET
def attempt_detail(request: AuthenticatedHttpRequest, public_id, part_id: int, number: int) -> HttpResponse:
    assignment, part, attempt = load(request, public_id, part_id, number)
    if attempt.submitted_at is None and not quiz_services.attempt_is_open(attempt):
        services.assessment_attempt_submit(assignment=assignment, attempt=attempt)
        messages.info(request, "Time is up: your saved answers were submitted.")
        return redirect(assignment)
    if attempt.submitted_at is not None:
        return redirect(assignment)
    return flow.render_page(request, answer_flow(assignment, part, attempt), None)


@login_required
@require_POST
def answer(request: AuthenticatedHttpRequest, public_id, part_id: int, number: int, position: int) -> HttpResponse:
    assignment, part, attempt = load(request, public_id, part_id, number)
    item = quiz_selectors.attempt_item(attempt=attempt, position=position)
    if item is None:
        raise Http404("No such question")
    return flow.answer_post(request, answer_flow(assignment, part, attempt), item)


@login_required
@require_POST
def attempt_submit(request: AuthenticatedHttpRequest, public_id, part_id: int, number: int) -> HttpResponse:
    assignment, part, attempt = load(request, public_id, part_id, number)
    flow.submit_post(request, answer_flow(assignment, part, attempt))
    services.assessment_attempt_submit(assignment=assignment, attempt=attempt)
    messages.success(request, f"{part.quiz.title}: attempt {attempt.number} submitted.")
    return redirect(assignment)
