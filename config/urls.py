from django.contrib import admin
from django.urls import include, path

from config import health
from courses import views as course_views
from lti import views as lti_views

urlpatterns = [
    path("", course_views.home, name="home"),
    path("healthz", health.healthz, name="healthz"),
    path("readyz", health.readyz, name="readyz"),
    path("admin/", admin.site.urls),
    path("accounts/", include("accounts.urls")),
    path("", include("quizzes.urls")),
    path("", include("labs.urls")),
    path("workshops/", include("workshops.urls")),
    path("teams/", include("teams.urls")),
    path("lti/", include("lti.urls")),
    path(".well-known/jwks.json", lti_views.jwks, name="jwks"),
    path("", include("courses.urls")),
]

handler500 = "config.errors.server_error"
