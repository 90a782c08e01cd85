"""Claims in the admin: record them with their quote, review them, see their conflicts."""

from typing import TYPE_CHECKING

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.admin.forms import ClaimAdminForm
from claims.display import value_display
from claims.models import Claim, Contradiction
from claims.selectors import open_contradiction_exists
from qwenkb.adminlists import IndexedSearchMixin, RelatedWithRowsFilter

# Characters of a source's title the claim list shows, "…" included.
SOURCE_TITLE_CHARS = 60


class OpenContradictionFilter(admin.SimpleListFilter):
    """Filter claims by whether an open contradiction touches them."""

    title = "open contradiction"
    parameter_name = "disputed"

    def lookups(self, request, model_admin):
        return [("yes", "Has an open contradiction"), ("no", "No open contradiction")]

    def queryset(self, request, queryset):
        if self.value() == "yes":
            return queryset.filter(disputed=True)
        if self.value() == "no":
            return queryset.filter(disputed=False)
        return queryset


def report_opened(request, opened) -> None:
    """Tell the editor about contradictions a write opened."""
    for record in opened:
        url = reverse("admin:claims_contradiction_change", args=[record.pk])
        messages.warning(
            request,
            format_html(
                '{} opened: {} <a href="{}">Review it</a>.',
                record.get_kind_display().capitalize(),
                record.explanation,
                url,
            ),
        )


if TYPE_CHECKING:
    _AdminBase = admin.ModelAdmin
else:
    _AdminBase = object  # a mixin: the admin class it is mixed into is the ModelAdmin


class ReviewActionsMixin(_AdminBase):
    """Accept, reject and prefer actions; reviewers only."""

    def has_review_permission(self, request) -> bool:
        return request.user.has_perm("claims.review_claim")

    def _review(self, request, queryset, service, verb: str) -> None:
        done, failed = 0, []
        for claim in queryset:
            try:
                result = service(claim=claim, user=request.user, reason=f"{verb} in the admin")
            except ValidationError as error:
                failed.append(f"claim {claim.pk}: {' '.join(error.messages)}")
                continue
            done += 1
            report_opened(request, getattr(result, "opened", []))
        if done:
            self.message_user(request, f"{verb}: {done} claim(s).", messages.SUCCESS)
        for message in failed:
            self.message_user(request, message, messages.ERROR)

    @admin.action(description="Accept selected claims", permissions=["review"])
    def accept(self, request, queryset):
        self._review(request, queryset, services.claim_accept, "Accepted")

    @admin.action(description="Reject selected claims", permissions=["review"])
    def reject(self, request, queryset):
        self._review(request, queryset, services.claim_reject, "Rejected")

    @admin.action(description="Mark selected claims preferred", permissions=["review"])
    def prefer(self, request, queryset):
        self._review(request, queryset, services.claim_prefer, "Preferred")


@admin.register(Claim)
class ClaimAdmin(IndexedSearchMixin, ReviewActionsMixin, SimpleHistoryAdmin):
    """Claims: searchable, filterable, with the value as written and as read."""

    form = ClaimAdminForm

    class Media:
        css = {"all": ["claims/admin.css"]}

    list_display = [
        "id",
        "subject",
        "metric",
        "value_text",
        "value_read",
        "source_link",
        "status",
        "rank",
        "disputed_flag",
    ]
    list_display_links = ["id", "value_text"]
    list_filter = [
        "status",
        "rank",
        OpenContradictionFilter,
        ("metric", RelatedWithRowsFilter),
        ("source__publisher", RelatedWithRowsFilter),
        "source__reliability",
        "subject__kind",
    ]
    search_fields = [
        "value_text",
        "quote",
        "notes",
        "subject__name",
        "subject__aliases__name",
        "metric__name",
        "source__title",
    ]
    autocomplete_fields = ["subject", "metric", "source", "attributed_to"]
    readonly_fields = [
        "value_read",
        "as_of_display",
        "contradiction_list",
        "added_by",
        "reviewed_by",
        "reviewed_at",
        "created_at",
        "updated_at",
    ]
    fieldsets = [
        (None, {"fields": ["subject", "metric", "value_text", "value_read"]}),
        (
            "Source",
            {
                "fields": [
                    "source",
                    "quote",
                    "attributed_to",
                    "as_of",
                    "as_of_text",
                    "as_of_display",
                ]
            },
        ),
        ("Review", {"fields": ["status", "rank", "notes", "reason", "contradiction_list"]}),
        (
            "Record",
            {
                "fields": ["added_by", "reviewed_by", "reviewed_at", "created_at", "updated_at"],
                "classes": ["collapse"],
            },
        ),
    ]
    actions = ["accept", "reject", "prefer"]
    list_per_page = 50
    history_list_display = ["status", "rank", "value_text"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not self.has_review_permission(request):
            fields += ["status", "rank"]  # review decisions are the reviewers'
        return fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("subject", "metric", "source__publisher", "entity_value")
            .annotate(disputed=open_contradiction_exists())
        )

    @admin.display(description="value as read")
    def value_read(self, claim: Claim) -> str:
        return value_display(claim) if claim.pk or claim.bound or claim.date_start else "—"

    @admin.display(description="source", ordering="source__title")
    def source_link(self, claim: Claim):
        url = reverse("admin:sources_source_change", args=[claim.source_id])
        title = claim.source.title
        # A long title is cut short in the column, with "…", and shown whole on hover.
        return format_html(
            '<a href="{}" title="{}">{}</a> <span title="reliability">({})</span>',
            url,
            title,
            Truncator(title).chars(SOURCE_TITLE_CHARS),
            claim.source.reliability,
        )

    @admin.display(description="disputed", ordering="disputed")
    def disputed_flag(self, claim: Claim) -> str:
        """In words: the admin's boolean icons would give a disputed claim a green tick and an
        undisputed one a red cross."""
        return "yes" if claim.disputed else "no"  # type: ignore[attr-defined]  # get_queryset

    @admin.display(description="as of (read)")
    def as_of_display(self, claim: Claim) -> str:
        return claim.as_of_display

    @admin.display(description="contradictions")
    def contradiction_list(self, claim: Claim):
        if not claim.pk:
            return "—"
        records = Contradiction.objects.filter(Q(claim_a=claim) | Q(claim_b=claim))
        if not records:
            return "None"
        return format_html_join(
            "",
            '<p><a href="{}">{} #{}</a> ({}, severity {}): {}</p>',
            (
                (
                    reverse("admin:claims_contradiction_change", args=[r.pk]),
                    r.get_kind_display(),
                    r.pk,
                    r.status,
                    f"{r.severity:g}",
                    r.explanation,
                )
                for r in records
            ),
        )

    def save_model(self, request, obj, form, change):
        inputs = form.service_inputs()
        reason = form.cleaned_data.get("reason", "")
        if change:
            result = services.claim_update(claim=obj, user=request.user, reason=reason, **inputs)
        else:
            result = services.claim_create(user=request.user, reason=reason, **inputs)
            obj.pk = result.claim.pk
            obj._state.adding = False
        report_opened(request, result.opened)
