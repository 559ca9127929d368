from django.apps import AppConfig


class WorkshopsConfig(AppConfig):
    name = "workshops"

    def ready(self) -> None:
        # Cohort pacing locks lessons, quizzes and labs through the core's access hook.
        from courses.access import register_gate
        from workshops.gates import locked_response

        register_gate(locked_response)
