from django.urls import include, path

from accounts import views

urlpatterns = [
    path("sign-up/", views.sign_up, name="sign_up"),
    path("profile/", views.profile, name="profile"),
    path("", include("django.contrib.auth.urls")),
]
