"""The Celery application: `make worker` runs it; its settings are Django's CELERY_* ones."""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qwenkb.settings")

app = Celery("qwenkb")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(["qwenkb.webhooks", "claims.jobs"])
