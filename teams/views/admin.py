"""Organisation admins: organisations, assessments, assigning and inviting, the report and its exports."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from config.http import AuthenticatedHttpRequest
from courses.content.errors import ContentError
from quizzes.exchange.imports import MAX_UPLOAD_BYTES
from teams import selectors, services
from teams.charts import strength_chart
from teams.exports import report_csv, report_json
from teams.forms import AssessmentForm, AssignForm, InviteForm, OrganisationForm, PoolImportForm
from teams.strengths import WEAK_BELOW, counted_attempts, factor_strengths, weak_factors


@login_required
@require_GET
def organisations(request: AuthenticatedHttpRequest) -> HttpResponse:
    return render(
        request,
        "teams/organisations.html",
        {"organisations": selectors.admin_organisations(request.user), "form": OrganisationForm()},
    )


@login_required
@require_POST
def organisation_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    form = OrganisationForm(request.POST)
    if not form.is_valid():
        context = {"organisations": selectors.admin_organisations(request.user), "form": form}
        return render(request, "teams/organisations.html", context, status=422)
    organisation = services.organisation_create(name=form.cleaned_data["name"], admin=request.user)
    return redirect(organisation)


def organisation_context(organisation, invite_form=None) -> dict:
    return {
        "organisation": organisation,
        "members": selectors.organisation_members(organisation),
        "assessments": selectors.organisation_assessments(organisation),
        "invitations": selectors.pending_invitations(organisation),
        "invite_form": invite_form or InviteForm(),
        "pools": selectors.organisation_pools(organisation),
    }


@login_required
@require_GET
def organisation_detail(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    organisation = selectors.organisation_for_admin(user=request.user, public_id=public_id)
    return render(request, "teams/organisation.html", organisation_context(organisation))


@login_required
@require_POST
def organisation_invite(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    organisation = selectors.organisation_for_admin(user=request.user, public_id=public_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return render(request, "teams/organisation.html", organisation_context(organisation, form), status=422)
    try:
        services.invitation_create(organisation=organisation, email=form.cleaned_data["email"], invited_by=request.user)
    except services.TooManyInvitations:
        messages.error(request, "You have sent many invitations in the last hour: try again later.")
        return redirect(organisation)
    messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return redirect(organisation)


@login_required
@require_http_methods(["GET", "POST"])
def assessment_create(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    organisation = selectors.organisation_for_admin(user=request.user, public_id=public_id)
    form = AssessmentForm(request.POST or None, organisation=organisation)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        assessment = services.assessment_create(
            organisation=organisation,
            created_by=request.user,
            title=data["title"],
            deadline=data["deadline"],
            pass_mark=data["pass_mark"],
            attempts_allowed=data["attempts_allowed"],
            time_limit_minutes=data["time_limit_minutes"],
            feedback=data["feedback"],
            quizzes=form.quiz_parts(),
            labs=list(data["labs"]),
        )
        messages.success(request, "Assessment created. Assign it to members or invite people by email.")
        return redirect(assessment)
    status = 422 if request.method == "POST" else 200
    return render(request, "teams/assessment_form.html", {"organisation": organisation, "form": form}, status=status)


# Enough of a long error listing to fix the file; the count says how many more there are.
IMPORT_PROBLEMS_SHOWN = 50


@login_required
@require_http_methods(["GET", "POST"])
def pool_import(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    """Import another platform's question file as one of the organisation's banks; a bad file lists its bad lines
    and saves nothing."""
    organisation = selectors.organisation_for_admin(user=request.user, public_id=public_id)
    form = PoolImportForm(request.POST or None, request.FILES or None)
    problems: list[str] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            pool = services.pool_import(
                organisation=organisation,
                course=data["course"],
                title=data["title"],
                data=data["file"].read(MAX_UPLOAD_BYTES + 1),
                filename=data["file"].name,
                format=data["format"],
                created_by=request.user,
            )
        except ContentError as error:
            problems = [str(problem) for problem in error.problems]
        else:
            count = pool.quiz.questions.count()
            messages.success(request, f"Imported {count} questions into {pool.quiz.title}.")
            return redirect(organisation)
    context = {
        "organisation": organisation,
        "form": form,
        "problems": problems[:IMPORT_PROBLEMS_SHOWN],
        "more_problems": max(0, len(problems) - IMPORT_PROBLEMS_SHOWN),
    }
    status = 422 if request.method == "POST" else 200
    return render(request, "teams/pool_import.html", context, status=status)


def assessment_context(assessment, *, assign_form=None, invite_form=None) -> dict:
    report = selectors.assessment_report(assessment)
    strengths = factor_strengths(assessment)
    return {
        "assessment": assessment,
        "organisation": assessment.organisation,
        "parts": assessment.parts.select_related("quiz"),
        "labs": assessment.labs.all(),
        "report": report,
        "strengths": strengths,
        "weak": weak_factors(strengths),
        "weak_below": WEAK_BELOW,
        "counted": counted_attempts(assessment) if strengths else None,
        "chart": strength_chart(strengths) if strengths else "",
        "assign_form": assign_form or AssignForm(users=selectors.assignable_users(assessment)),
        "invite_form": invite_form or InviteForm(),
    }


@login_required
@require_GET
def assessment_detail(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    assessment = selectors.assessment_for_admin(user=request.user, public_id=public_id)
    context = assessment_context(assessment)
    if request.htmx:
        return render(request, "teams/assessment.html#report", context)
    return render(request, "teams/assessment.html", context)


@login_required
@require_POST
def assessment_assign(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    assessment = selectors.assessment_for_admin(user=request.user, public_id=public_id)
    form = AssignForm(request.POST, users=selectors.assignable_users(assessment))
    if not form.is_valid():
        context = assessment_context(assessment, assign_form=form)
        return render(request, "teams/assessment.html", context, status=422)
    for user in form.cleaned_data["members"]:
        services.assignment_create(assessment=assessment, user=user)
    messages.success(request, f"Assigned to {len(form.cleaned_data['members'])} people.")
    return redirect(assessment)


@login_required
@require_POST
def assessment_invite(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    assessment = selectors.assessment_for_admin(user=request.user, public_id=public_id)
    form = InviteForm(request.POST)
    if not form.is_valid():
        context = assessment_context(assessment, invite_form=form)
        return render(request, "teams/assessment.html", context, status=422)
    try:
        services.invitation_create(
            organisation=assessment.organisation,
            assessment=assessment,
            email=form.cleaned_data["email"],
            invited_by=request.user,
        )
    except services.TooManyInvitations:
        messages.error(request, "You have sent many invitations in the last hour: try again later.")
        return redirect(assessment)
    messages.success(request, f"Invitation sent to {form.cleaned_data['email']}.")
    return redirect(assessment)


@login_required
@require_GET
def assessment_export_csv(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    assessment = selectors.assessment_for_admin(user=request.user, public_id=public_id)
    response = HttpResponse(
        report_csv(assessment, selectors.assessment_report(assessment)), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.public_id}.csv"'
    return response


@login_required
@require_GET
def assessment_export_json(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    assessment = selectors.assessment_for_admin(user=request.user, public_id=public_id)
    response = JsonResponse(
        report_json(assessment, selectors.assessment_report(assessment)), json_dumps_params={"indent": 2}
    )
    response["Content-Disposition"] = f'attachment; filename="assessment-{assessment.public_id}.json"'
    return response
