from django.apps import AppConfig


class LabsConfig(AppConfig):
    name = "labs"

    def ready(self) -> None:
        from labs import signals

        signals.connect()

        from courses import page_parts
        from labs import course_pages

        # The syllabus lists the course's labs, with the reader's best scores.
        page_parts.register_content(page_parts.SYLLABUS, course_pages.syllabus_content)
        page_parts.register(page_parts.SYLLABUS, course_pages.syllabus_scores)
