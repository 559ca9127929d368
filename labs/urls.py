from django.urls import path

from labs import views

app_name = "labs"
urlpatterns = [
    path("courses/<slug:course_slug>/labs/<slug:lab_slug>/", views.lab_detail, name="detail"),
    path("courses/<slug:course_slug>/labs/<slug:lab_slug>/submit/", views.submit, name="submit"),
    path(
        "courses/<slug:course_slug>/labs/<slug:lab_slug>/starter.<str:kind>",
        views.starter_download,
        name="starter",
    ),
    path("labs/submissions/", views.submission_list, name="submissions"),
    path("labs/submissions/<uuid:public_id>/", views.submission_detail, name="submission"),
]
