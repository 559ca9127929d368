from django.apps import AppConfig


class LtiConfig(AppConfig):
    name = "lti"
    verbose_name = "LTI 1.3 tool"

    def ready(self) -> None:
        # Scores recorded by quizzes and labs are posted back to the platforms' gradebooks.
        from lti import signals

        signals.connect()
