from django.apps import AppConfig


class CoursesConfig(AppConfig):
    name = "courses"

    def ready(self) -> None:
        from config.reader_prefetch import register_reader_keys
        from courses import signals  # noqa: F401
        from courses.release import VERSION_KEY

        register_reader_keys(lambda user_id: [VERSION_KEY])
