"""`load_content`: the release step that loads content/ for every app that has some (courses, quizzes, labs).

It composes three core apps, so it lives above them: each app loads its own part, and no core app imports another
app's loader.
"""
