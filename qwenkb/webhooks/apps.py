from django.apps import AppConfig


class WebhooksConfig(AppConfig):
    """Webhook endpoints and their deliveries."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "qwenkb.webhooks"
    label = "webhooks"
    verbose_name = "Webhooks"
