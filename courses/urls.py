from django.urls import path

from courses import views

app_name = "courses"
urlpatterns = [
    path("courses/", views.course_list, name="list"),
    path("courses/<slug:course_slug>/", views.syllabus, name="syllabus"),
    path("courses/<slug:course_slug>/<slug:lesson_slug>/", views.lesson_detail, name="lesson"),
    path("courses/<slug:course_slug>/<slug:lesson_slug>/progress/", views.lesson_progress, name="lesson_progress"),
    path("search/", views.search, name="search"),
    path("glossary/", views.glossary, name="glossary"),
]
