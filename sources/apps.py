from django.apps import AppConfig


class SourcesConfig(AppConfig):
    """Publishers and the documents they publish."""

    name = "sources"
    default_auto_field = "django.db.models.BigAutoField"
