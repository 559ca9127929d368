from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods

from accounts.forms import ProfileForm, SignUpForm
from accounts.services import profile_update, user_sign_up


@require_http_methods(["GET", "POST"])
def sign_up(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    next_url = request.POST.get("next") or request.GET.get("next") or ""
    if not url_has_allowed_host_and_scheme(next_url, {request.get_host()}, request.is_secure()):
        next_url = ""
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user_sign_up(request=request, form=form)
        return redirect(next_url or "home")
    return render(request, "registration/sign_up.html", {"form": form, "next": next_url})


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
