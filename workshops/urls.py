from django.urls import path

from workshops import views

app_name = "workshops"
cohort = "c/<uuid:public_id>/"
urlpatterns = [
    path("", views.cohort_list, name="list"),
    path("new/", views.cohort_create, name="create"),
    path(cohort, views.dashboard, name="dashboard"),
    path(cohort + "projector/", views.projector, name="projector"),
    path(cohort + "code/rotate/", views.code_rotate, name="code_rotate"),
    path(cohort + "code/joining/", views.joining_set, name="joining_set"),
    path(cohort + "pacing/", views.pacing, name="pacing"),
    path(cohort + "pacing/lock/", views.lock_set, name="lock_set"),
    path(cohort + "pacing/all/", views.lock_all, name="lock_all"),
    path(cohort + "analytics/", views.analytics, name="analytics"),
    path(cohort + "gradebook.csv", views.gradebook, name="gradebook"),
    path("join/", views.join_enter, name="join_enter"),
    path("join/<str:code>/", views.join, name="join"),
]
