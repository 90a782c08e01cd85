from django.apps import AppConfig


class JobsConfig(AppConfig):
    """Background jobs started from the admin."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "claims.jobs"
    label = "jobs"
    verbose_name = "Background jobs"
