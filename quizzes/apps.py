from django.apps import AppConfig


class QuizzesConfig(AppConfig):
    name = "quizzes"

    def ready(self) -> None:
        from quizzes import signals

        signals.connect()

        from courses import page_parts
        from quizzes import course_pages

        # A lesson links its quiz; the syllabus lists the lessons' quizzes and the final quiz, with the reader's scores.
        page_parts.register_content(page_parts.LESSON, course_pages.lesson_content)
        page_parts.register_content(page_parts.SYLLABUS, course_pages.syllabus_content)
        page_parts.register(page_parts.SYLLABUS, course_pages.syllabus_scores)
