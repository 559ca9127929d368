import math

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import PasswordResetView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts import limits
from accounts.forms import ProfileForm, SignUpForm
from accounts.names import display_name
from accounts.services import profile_update, user_sign_up
from config.http import AuthenticatedHttpRequest
from courses import reading
from courses import selectors as course_selectors


def login_locked_out(request: HttpRequest, response: HttpResponse | None, credentials: dict | None) -> HttpResponse:
    """django-axes calls this for a login refused during a lockout: a plain page saying when to try again."""
    minutes = math.ceil(settings.AXES_COOLOFF_TIME.total_seconds() / 60)
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    locked = render(request, "registration/locked_out.html", context, status=429)
    locked["Retry-After"] = str(minutes * 60)
    return locked


class LimitedPasswordResetView(PasswordResetView):
    """Django's reset page, sending at most one email per address every few minutes (accounts.limits)."""

    def form_valid(self, form):
        decision = limits.password_reset_allowed(request=self.request, email=form.cleaned_data["email"])
        if not decision.allowed:
            minutes = decision.retry_after_minutes
            form.add_error(
                "email",
                f"A reset link was requested for this address a moment ago: check your inbox (and spam folder), "
                f"or try again in {minutes} minute{'s' if minutes != 1 else ''}.",
            )
            refused = self.render_to_response(self.get_context_data(form=form), status=429)
            refused["Retry-After"] = str(decision.retry_after_seconds)
            return refused
        return super().form_valid(form)


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        decision = limits.sign_up_allowed(request=request)
        if decision.allowed:
            user = user_sign_up(request=request, form=form)
            messages.success(request, _welcome(request, name=display_name(user)))
            return redirect(next_url or "home")
        form.add_error(None, sign_up_refusal(decision))
        refused = render(request, "registration/sign_up.html", {"form": form, "next": next_url}, status=429)
        refused["Retry-After"] = str(decision.retry_after_seconds)
        return refused
    return render(request, "registration/sign_up.html", {"form": form, "next": next_url})


def sign_up_refusal(decision) -> str:
    minutes = decision.retry_after_minutes
    return (
        f"Many accounts were created from your network in the last hour. "
        f"Try again in {minutes} minute{'s' if minutes != 1 else ''}."
    )


def _welcome(request: HttpRequest, *, name: str) -> str:
    """Say where to start: the lesson the visitor was reading before signing up, else the course's first lesson."""
    offer = course_selectors.continue_lesson(
        user=request.user, session=request.session, last_id=reading.last_lesson_id(request)
    )
    lesson = offer.lesson if offer else course_selectors.first_lesson()
    if lesson is None:
        return format_html("Welcome, {}. Your account is ready.", name)
    return format_html(
        'Welcome, {}. Start with <a href="{}">{}</a>: your progress, quiz attempts and labs are kept in your account.',
        name,
        lesson.get_absolute_url(),
        lesson.title,
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: AuthenticatedHttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"name": user.get_full_name(), "email": user.email})
    if request.method == "POST" and form.is_valid():
        profile_update(user=user, name=form.cleaned_data["name"], email=form.cleaned_data["email"])
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    return render(request, "registration/profile.html", {"form": form}, status=400 if form.errors else 200)
