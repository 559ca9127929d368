from django.urls import path

from lti import views

app_name = "lti"

urlpatterns = [
    path("login/", views.login, name="login"),
    path("launch/", views.launch, name="launch"),
    path("deep-link/<str:launch_id>/", views.deep_link_respond, name="deep_link_respond"),
    path("jwks/", views.jwks, name="jwks"),
    path("register/<str:token>/", views.register, name="register"),
]
