from django.apps import AppConfig


class TeamsConfig(AppConfig):
    name = "teams"

    def ready(self) -> None:
        from courses import page_parts
        from teams import reader_generations, signals  # noqa: F401

        reader_generations.connect()
        from teams.selectors import assignments_for

        # The home page lists the learner's assignments.
        page_parts.register(page_parts.HOME, lambda request: {"assignments": assignments_for(request.user)})
