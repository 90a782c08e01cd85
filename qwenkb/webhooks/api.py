"""The API for webhook endpoints: editors register, change and remove them, and read deliveries."""

from django.core.exceptions import ValidationError
from django.db import transaction
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, permissions, serializers, status, viewsets
from rest_framework.response import Response

from qwenkb.api import BaseViewSet
from qwenkb.webhooks.models import Delivery, Endpoint, Event
from qwenkb.webhooks.targets import target_check

ACTION_PERMISSION = {"GET": "view", "HEAD": "view", "OPTIONS": "view", "POST": "add"}
ACTION_PERMISSION |= {"PUT": "change", "PATCH": "change", "DELETE": "delete"}


class WebhookPermission(permissions.BasePermission):
    """Only accounts holding the model's permission for the method (editors, reviewers)."""

    def has_permission(self, request, view):
        action = ACTION_PERMISSION.get(request.method)
        if action is None:
            return True  # a method no action takes: DRF answers 405
        user = request.user
        if not user or not user.is_authenticated:
            return False
        model = view.queryset.model._meta.model_name
        return user.has_perm(f"webhooks.{action}_{model}")


class EndpointSerializer(serializers.ModelSerializer):
    """An endpoint; its secret is made by the server unless given, and shown to editors."""

    events = serializers.ListField(
        child=serializers.ChoiceField(choices=Event.choices), allow_empty=False
    )
    secret = serializers.CharField(min_length=16, max_length=100, required=False)
    # Checked by ``targets`` alone, whose messages say what is wrong (and where it may not go).
    url = serializers.CharField()

    class Meta:
        model = Endpoint
        fields = ["id", "url", "events", "secret", "active", "description", "created_at"]
        read_only_fields = ["created_at"]

    def validate_url(self, url):
        """Public http(s) URLs only (``targets``): a 400 naming ``url`` otherwise."""
        try:
            return target_check(url)
        except ValidationError as error:
            raise serializers.ValidationError(error.message_dict["url"]) from None

    def validate_events(self, events):
        return sorted(set(events))


class EndpointViewSet(
    mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, BaseViewSet
):
    """Webhook endpoints. A change or removal names the version read (If-Match), like every
    other writable resource: 428 without it, 412 with the current version when stale."""

    queryset = Endpoint.objects.all()
    serializer_class = EndpointSerializer
    permission_classes = [WebhookPermission]
    throttle_classes = []
    versioned_actions = frozenset({"update", "partial_update", "destroy"})

    def retrieve(self, request, *args, **kwargs):
        return self.versioned(self.get_serializer(self.get_object()).data)

    def create(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        serializer.save(created_by=request.user)
        return self.versioned(serializer.data, status.HTTP_201_CREATED)

    def _update(self, request, *, partial: bool):
        def apply(endpoint):
            serializer = self.get_serializer(endpoint, data=request.data, partial=partial)
            serializer.is_valid(raise_exception=True)
            serializer.save()
            return self.versioned(serializer.data)

        return self.change(request, apply)

    def update(self, request, *args, **kwargs):
        return self._update(request, partial=False)

    def partial_update(self, request, *args, **kwargs):
        return self._update(request, partial=True)

    @extend_schema(responses={204: None})
    def destroy(self, request, *args, **kwargs):
        def apply(endpoint):
            with transaction.atomic():
                endpoint.delete()
            return Response(status=status.HTTP_204_NO_CONTENT)

        return self.change(request, apply)


class DeliverySerializer(serializers.ModelSerializer):
    """A delivery and its outcome."""

    id = serializers.UUIDField(source="uuid")

    class Meta:
        model = Delivery
        fields = [
            "id",
            "endpoint",
            "event",
            "payload",
            "status",
            "attempts",
            "response_code",
            "error",
            "created_at",
            "last_attempt_at",
            "delivered_at",
        ]


class DeliveryViewSet(viewsets.ReadOnlyModelViewSet):
    """Deliveries, newest first."""

    queryset = Delivery.objects.select_related("endpoint")
    serializer_class = DeliverySerializer
    permission_classes = [WebhookPermission]
    filterset_fields = ["endpoint", "status", "event"]
