"""API tokens in the admin: an editor makes, sees and revokes their own token, nobody else's.

Replaces django-rest-framework's token admin, which only superusers could use. A token is
shown by its first characters and its owner; the whole key appears once, in the message
after it is made (``/api/auth/token/`` gives it to its owner at any time). Writes go through
the same services as ``/api/auth/token/``; superusers see and may revoke every token.
"""

from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.http import Http404, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from claims import services
from claims.services.tokens import EDITOR_PERMISSION

# DRF registered its own admin on import; this one takes its place.
if admin.site.is_registered(TokenProxy):
    admin.site.unregister(TokenProxy)


def token_label(token) -> str:
    """How a token is named anywhere but the one message that shows its key."""
    return f"API token of {token.user} ({token.key[:4]}\u2026)"


class _Named:
    """A token as the admin's log and pages name it: by its label, never its key."""

    _meta = TokenProxy._meta

    def __init__(self, token):
        self.pk = token.user_id
        self.label = token_label(token)

    def __str__(self) -> str:
        return self.label


@admin.register(TokenProxy)
class OwnTokenAdmin(TokenAdmin):
    """Your own API token: make it (replacing any old one), see when it was made, revoke it."""

    list_display = ["key_start", "user", "created"]
    list_display_links = None
    list_filter = []
    fields = None  # DRF's admin named the owner; here the owner is whoever saves
    fieldsets = [
        (
            None,
            {
                "fields": (),
                "description": "Saving makes a new API token for you; any token you had "
                "stops working. Its key is shown once, on the next page: copy it then.",
            },
        )
    ]

    @admin.display(description="key")
    def key_start(self, token) -> str:
        return format_html(
            '<code>{}\u2026</code> <a href="{}">Revoke</a>',
            token.key[:4],
            reverse("admin:authtoken_tokenproxy_delete", args=[token.user_id]),
        )

    @staticmethod
    def _editor(request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and user.has_perm(EDITOR_PERMISSION)

    def _owns(self, request, token) -> bool:
        return token is None or request.user.is_superuser or token.user_id == request.user.pk

    def has_module_permission(self, request):
        return self._editor(request) or request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request) and self._owns(request, obj)

    def has_add_permission(self, request):
        return self._editor(request) or request.user.is_superuser

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and self._owns(request, obj)

    def get_queryset(self, request):
        tokens = super().get_queryset(request).select_related("user")
        return tokens if request.user.is_superuser else tokens.filter(user=request.user)

    def _visible(self, request, object_id):
        token = self.get_object(request, unquote(object_id))
        if token is None:  # another's token is as absent as one that never was
            raise Http404("You have no API token here.")
        return token

    def change_view(self, request, object_id, form_url="", extra_context=None):
        self._visible(request, object_id)
        return HttpResponseRedirect(reverse("admin:authtoken_tokenproxy_changelist"))

    def history_view(self, request, object_id, extra_context=None):
        token = self._visible(request, object_id)
        context = {"title": f"Change history: {token_label(token)}", "object": _Named(token)}
        return super().history_view(request, object_id, (extra_context or {}) | context)

    def delete_view(self, request, object_id, extra_context=None):
        self._visible(request, object_id)
        return super().delete_view(request, object_id, extra_context)

    def render_delete_form(self, request, context):
        token = context["object"]
        context |= {
            "object": _Named(token),
            "deleted_objects": [token_label(token)],
            "title": "Revoke this token?",
        }
        return super().render_delete_form(request, context)

    def save_model(self, request, obj, form, change):
        token = services.token_replace(user=request.user)
        obj.key, obj.user, obj.created = token.key, request.user, token.created
        obj._state.adding = False

    def delete_model(self, request, obj):
        services.token_revoke(user=obj.user)

    def log_addition(self, request, obj, message):
        return super().log_addition(request, _Named(obj), message)

    def log_deletions(self, request, queryset):
        return super().log_deletions(request, [_Named(token) for token in queryset])

    def response_add(self, request, obj, post_url_continue=None):
        messages.success(
            request,
            format_html(
                "Your new API token is <code>{}</code>. Copy it now: it is not shown again "
                "here. Send it as <code>Authorization: Token {}</code>.",
                obj.key,
                obj.key,
            ),
        )
        return HttpResponseRedirect(reverse("admin:authtoken_tokenproxy_changelist"))

    def response_delete(self, request, obj_display, obj_id):
        messages.success(request, "The API token is revoked; it no longer works.")
        return HttpResponseRedirect(reverse("admin:authtoken_tokenproxy_changelist"))
