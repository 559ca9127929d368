from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.forms import SignUpForm
from accounts.services import user_sign_up
from config.client_address import client_address
from config.http import AuthenticatedHttpRequest, HtmxHttpRequest
from config.spreadsheets import csv_text
from workshops import reports, room, selectors, services
from workshops.forms import CohortForm, JoinCodeForm
from workshops.qr import qr_svg


def _int(value: str | None, default: int, low: int, high: int) -> int:
    if value is None:
        return default
    try:
        return min(max(int(value), low), high)
    except ValueError:
        return default


# --- Instructor pages ---------------------------------------------------------------------------------------------


@login_required
@require_GET
def cohort_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    cohorts = selectors.cohorts_led(user=request.user)
    return render(request, "workshops/cohort_list.html", {"cohorts": cohorts})


@login_required
@require_http_methods(["GET", "POST"])
def cohort_create(request: AuthenticatedHttpRequest) -> HttpResponse:
    services.require_instructor(request.user)
    form = CohortForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        cohort = services.cohort_create(instructor=request.user, **form.cleaned_data)
        messages.success(request, f"Cohort “{cohort.name}” created. Share the join code below.")
        return redirect(cohort)
    return render(request, "workshops/cohort_form.html", {"form": form})


@login_required
@require_GET
def dashboard(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    grid = room.room_grid(
        cohort=cohort,
        sort=request.GET.get("sort", "name"),
        stuck_only=request.GET.get("stuck") == "1",
        stuck_minutes=_int(request.GET.get("minutes"), 10, 1, 24 * 60),
        item=request.GET.get("item", ""),
    )
    context = {
        "cohort": cohort,
        "grid": grid,
        "items": selectors.course_items(course=cohort.course),
        "join_url": request.build_absolute_uri(cohort.get_join_url()),
    }
    if request.htmx:
        return render(request, "workshops/dashboard.html#grid", context)
    return render(request, "workshops/dashboard.html", context)


@login_required
@require_GET
def projector(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    join_url = request.build_absolute_uri(cohort.get_join_url())
    context = {"cohort": cohort, "join_url": join_url, "qr": qr_svg(join_url, label=f"Join {cohort.name}")}
    return render(request, "workshops/projector.html", context)


@login_required
@require_POST
def code_rotate(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    services.cohort_code_rotate(cohort=cohort)
    messages.success(request, "New join code made. The old code and link no longer work.")
    return redirect(cohort)


@login_required
@require_POST
def joining_set(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    services.cohort_joining_set(cohort=cohort, open=request.POST.get("open") == "1")
    messages.success(request, "Joining is open." if cohort.join_open else "Joining is closed.")
    return redirect(cohort)


def _pacing_context(cohort) -> dict:
    locks = selectors.cohort_locks(cohort=cohort)
    items = selectors.course_items(course=cohort.course)
    for item in items:
        item.locked = (item.kind, item.slug) in locks
    return {"cohort": cohort, "items": items, "locked_count": len(locks)}


@login_required
@require_GET
def pacing(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    return render(request, "workshops/pacing.html", _pacing_context(cohort))


@login_required
@require_POST
def lock_set(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    kind, slug = request.POST.get("kind", ""), request.POST.get("slug", "")
    known = {(item.kind, item.slug) for item in selectors.course_items(course=cohort.course)}
    if (kind, slug) in known:
        services.lock_set(cohort=cohort, kind=kind, slug=slug, locked=request.POST.get("locked") == "1")
    if request.htmx:
        return render(request, "workshops/pacing.html#items", _pacing_context(cohort))
    return redirect("workshops:pacing", cohort.public_id)


@login_required
@require_POST
def lock_all(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    items = [(item.kind, item.slug) for item in selectors.course_items(course=cohort.course)]
    services.lock_all(cohort=cohort, items=items, locked=request.POST.get("locked") == "1")
    if request.htmx:
        return render(request, "workshops/pacing.html#items", _pacing_context(cohort))
    return redirect("workshops:pacing", cohort.public_id)


@login_required
@require_GET
def analytics(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    context = {
        "cohort": cohort,
        "quiz_reports": reports.quiz_reports(cohort=cohort),
        "lab_reports": reports.lab_reports(cohort=cohort),
    }
    return render(request, "workshops/analytics.html", context)


@login_required
@require_GET
def gradebook(request: AuthenticatedHttpRequest, public_id) -> HttpResponse:
    cohort = selectors.cohort_for_instructor(user=request.user, public_id=public_id)
    header, rows = room.gradebook(cohort=cohort)
    response = HttpResponse(csv_text(header, rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="gradebook-{cohort.public_id}.csv"'
    return response


# --- Joining ------------------------------------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
def join_enter(request: HtmxHttpRequest) -> HttpResponse:
    """Type a code: the same checks and rate limit as opening a join link."""
    form = JoinCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            cohort = services.cohort_find_for_joining(code=form.cleaned_data["code"], client=client_address(request))
        except services.JoinRefused as refusal:
            form.add_error("code", str(refusal))
        else:
            return redirect("workshops:join", cohort.join_code)
    return render(request, "workshops/join_enter.html", {"form": form}, status=400 if form.errors else 200)


def _joining_user(request: HtmxHttpRequest, form: SignUpForm | None) -> User | None:
    """Who joins: the signed-in reader, or the account the sign-up form creates (None while the form is invalid)."""
    if request.user.is_authenticated:
        return request.user
    if form is not None and form.is_valid():
        return user_sign_up(request=request, form=form)
    return None


@require_http_methods(["GET", "POST"])
def join(request: HtmxHttpRequest, code: str) -> HttpResponse:
    try:
        cohort = services.cohort_find_for_joining(code=code, client=client_address(request))
    except services.JoinRefused as refusal:
        status = 429 if isinstance(refusal, services.TooManyJoinAttempts) else 404
        return render(request, "workshops/join_refused.html", {"reason": str(refusal)}, status=status)
    form = None if request.user.is_authenticated else SignUpForm(request.POST or None)
    if request.method == "POST" and (user := _joining_user(request, form)) is not None:
        try:
            services.cohort_join(cohort=cohort, user=user)
        except services.JoinRefused as refusal:
            messages.error(request, str(refusal))
            return redirect("workshops:join", cohort.join_code)
        messages.success(request, f"You joined {cohort.name}. Your instructor unlocks items as the workshop goes.")
        return redirect(cohort.course)
    context = {
        "cohort": cohort,
        "form": form,
        "already_member": request.user.is_authenticated and cohort.memberships.filter(user=request.user).exists(),
        "seats_left": max(cohort.seat_cap - cohort.memberships.count(), 0),
        "login_url": reverse("login") + "?next=" + cohort.get_join_url(),
    }
    return render(request, "workshops/join.html", context, status=400 if form is not None and form.errors else 200)
