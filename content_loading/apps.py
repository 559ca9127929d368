from django.apps import AppConfig


class ContentLoadingConfig(AppConfig):
    name = "content_loading"
