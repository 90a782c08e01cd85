from django.apps import AppConfig


class ClaimsConfig(AppConfig):
    """Entities, metrics, claims and the contradictions between them."""

    name = "claims"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        # Sources never import claims: what claims must do when a source changes, they
        # learn by signal.
        from claims.services.quotes import on_source_text_changed
        from sources.signals import source_text_changed

        source_text_changed.connect(on_source_text_changed, dispatch_uid="claims-quotes")
