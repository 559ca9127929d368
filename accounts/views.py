from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.html import format_html
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.forms import ProfileForm, SignUpForm
from accounts.names import display_name
from accounts.services import profile_update, user_sign_up
from courses import selectors as course_selectors


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = user_sign_up(request=request, form=form)
        messages.success(request, _welcome(request, name=display_name(user)))
        return redirect(next_url or "home")
    return render(request, "registration/sign_up.html", {"form": form, "next": next_url})


def _welcome(request: HttpRequest, *, name: str) -> str:
    """Say where to start: the lesson the visitor was reading before signing up, else the course's first lesson."""
    offer = course_selectors.continue_lesson(user=request.user, session=request.session)
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
def profile(request: HttpRequest) -> HttpResponse:
    user = request.user
    form = ProfileForm(request.POST or None, initial={"name": user.get_full_name(), "email": user.email})
    if request.method == "POST" and form.is_valid():
        profile_update(user=user, name=form.cleaned_data["name"], email=form.cleaned_data["email"])
        messages.success(request, "Your profile is saved.")
        return redirect("profile")
    return render(request, "registration/profile.html", {"form": form}, status=400 if form.errors else 200)
