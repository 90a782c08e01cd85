from django.apps import AppConfig
from django.core import checks


def code_is_there(app_configs=None, **kwargs) -> list[checks.Error]:
    """The two digests of the code this process runs can be taken (``qwenkb.release``): the
    read cache's code version and the rules' fingerprint. Run by ``migrate``, so ``make run``
    and ``make serve`` stop with the reason instead of failing requests or rescans."""
    from claims.detection.digests import rules_fingerprint
    from qwenkb.readcache import code_version
    from qwenkb.release import MissingCode

    errors = []
    for name, digest in (
        ("the read cache's code version", code_version),
        ("the rules' fingerprint", rules_fingerprint),
    ):
        try:
            digest()
        except MissingCode as error:
            errors.append(
                checks.Error(
                    f"{error} ({name})",
                    hint="Deploy the code with its sources, or with each module's .pyc in its place.",
                    id="qwenkb.E001",
                )
            )
    return errors


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
        checks.register(code_is_there)
