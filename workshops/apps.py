from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"

    def ready(self) -> None:
        from workshops import pacing_cache

        pacing_cache.connect()

        # Cohort pacing locks lessons, quizzes and labs through the core's access hook.
        from courses.access import register_gate
        from workshops.gates import locked_response

        register_gate(locked_response)

        from courses import page_parts
        from workshops.selectors import course_pacing

        # The syllabus shows the cohort's pacing: what the instructor has unlocked, and when.
        page_parts.register(
            page_parts.SYLLABUS,
            lambda request, *, course, content: {"pacing": course_pacing(user=request.user, course=course)},
        )
