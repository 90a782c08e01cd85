"""The API for webhook endpoints: editors register, change and remove them, and read deliveries."""

from rest_framework import permissions, serializers, viewsets

from qwenkb.webhooks.models import Delivery, Endpoint, Event

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

    class Meta:
        model = Endpoint
        fields = ["id", "url", "events", "secret", "active", "description", "created_at"]
        read_only_fields = ["created_at"]

    def validate_events(self, events):
        return sorted(set(events))


class EndpointViewSet(viewsets.ModelViewSet):
    """Webhook endpoints."""

    queryset = Endpoint.objects.all()
    serializer_class = EndpointSerializer
    permission_classes = [WebhookPermission]
    throttle_classes = []

    def perform_create(self, serializer):
        serializer.save(created_by=self.request.user)


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
