from django.urls import include, path

from accounts import views

urlpatterns = [
    path("sign-up/", views.sign_up, name="sign_up"),
    path("profile/", views.profile, name="profile"),
    # Before django.contrib.auth's own, which it replaces: the same page with a per-address limit.
    path("password_reset/", views.LimitedPasswordResetView.as_view(), name="password_reset"),
    path("", include("django.contrib.auth.urls")),
]
