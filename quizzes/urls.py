from django.urls import path

from quizzes import views

app_name = "quizzes"

quiz = "courses/<slug:course_slug>/quizzes/<slug:quiz_slug>/"
attempt = quiz + "attempts/<int:number>/"

urlpatterns = [
    path(quiz, views.quiz_detail, name="quiz"),
    path(quiz + "export/<slug:format>/", views.quiz_export, name="export"),
    path(quiz + "start/", views.attempt_start, name="attempt_start"),
    path(attempt, views.attempt_detail, name="attempt"),
    path(attempt + "questions/<int:position>/", views.answer, name="answer"),
    path(attempt + "submit/", views.attempt_submit, name="attempt_submit"),
    path(attempt + "results/", views.attempt_results, name="attempt_results"),
]
