from django.urls import path  # noqa: F401  (the quiz engine fills these in)

app_name = "quizzes"
urlpatterns: list = []
