from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Entities, metrics, claims and the contradictions between them."""

    name = "claims"
    default_auto_field = "django.db.models.BigAutoField"
