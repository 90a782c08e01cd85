"""Endpoints that want events, and every delivery made to them."""

import secrets
import uuid

from django.conf import settings
from django.db import models


class Event(models.TextChoices):
    """The events an endpoint can subscribe to."""

    CONTRADICTION_OPENED = "contradiction.opened", "contradiction opened"
    CONTRADICTION_CONFIRMED = "contradiction.confirmed", "contradiction confirmed"
    CONTRADICTION_RESOLVED = "contradiction.resolved", "contradiction resolved"
    CONTRADICTION_DISMISSED = "contradiction.dismissed", "contradiction dismissed"
    CLAIM_ACCEPTED = "claim.accepted", "claim accepted"
    SOURCE_ADDED = "source.added", "source added"


def new_secret() -> str:
    return secrets.token_urlsafe(32)


class Endpoint(models.Model):
    """A URL that receives the events it subscribes to, signed with its own secret."""

    url = models.URLField(max_length=500)
    events = models.JSONField(default=list, help_text="Event names; see the list of events.")
    secret = models.CharField(max_length=100, default=new_secret)
    active = models.BooleanField(default=True)
    description = models.CharField(max_length=200, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["pk"]

    def __str__(self):
        return self.url


class DeliveryStatus(models.TextChoices):
    """Where a delivery stands."""

    PENDING = "pending", "pending"
    DELIVERED = "delivered", "delivered"
    FAILED = "failed", "failed after every retry"


class Delivery(models.Model):
    """One event sent (or being sent) to one endpoint, with the outcome of its last attempt."""

    uuid = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    event = models.CharField(max_length=40, choices=Event.choices)
    payload = models.JSONField()
    status = models.CharField(
        max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING
    )
    attempts = models.PositiveIntegerField(default=0)
    response_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.TextField(blank=True)
    request_id = models.CharField(max_length=100, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]
        verbose_name_plural = "deliveries"

    def __str__(self):
        return f"{self.event} to {self.endpoint} ({self.status})"
