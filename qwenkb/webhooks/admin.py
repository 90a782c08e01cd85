"""Editors register endpoints here and read every delivery's outcome."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from qwenkb.webhooks.models import Delivery, Endpoint, Event
from qwenkb.webhooks.targets import target_check


class EndpointForm(forms.ModelForm):
    """Events picked from the list rather than typed."""

    events = forms.MultipleChoiceField(choices=Event.choices, widget=forms.CheckboxSelectMultiple)
    url = forms.CharField(label="URL", help_text="A public http:// or https:// URL.")

    class Meta:
        model = Endpoint
        fields = ["url", "events", "active", "description", "secret"]

    def clean_url(self):
        """Public http(s) URLs only (``targets``)."""
        try:
            return target_check(self.cleaned_data["url"])
        except ValidationError as error:
            raise ValidationError(error.message_dict["url"]) from None


class DeliveryInline(admin.TabularInline):
    """The latest deliveries, read only."""

    model = Delivery
    fields = ("created_at", "event", "status", "attempts", "response_code", "error")
    readonly_fields = fields
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["-pk"]
    show_change_link = True


@admin.register(Endpoint)
class EndpointAdmin(admin.ModelAdmin):
    """Webhook endpoints and the events they receive."""

    form = EndpointForm
    list_display = ["url", "active", "event_list", "created_by", "created_at"]
    inlines = [DeliveryInline]

    @admin.display(description="events")
    def event_list(self, endpoint: Endpoint) -> str:
        return ", ".join(endpoint.events)

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(Delivery)
class DeliveryAdmin(admin.ModelAdmin):
    """Every delivery with its status: the log an editor reads when a receiver complains."""

    list_display = ["created_at", "event", "endpoint", "status", "attempts", "response_code"]
    list_filter = ["status", "event"]
    readonly_fields = [
        "uuid",
        "endpoint",
        "event",
        "payload",
        "status",
        "attempts",
        "response_code",
        "error",
        "request_id",
        "created_at",
        "last_attempt_at",
        "delivered_at",
    ]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
