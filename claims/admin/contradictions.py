"""Contradictions in the admin: most severe first, both claims side by side, settled with a note."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import render
from django.template.loader import render_to_string
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.choices import ContradictionReview, ContradictionStatus
from claims.display import value_display
from claims.models import Contradiction
from claims.selectors import review_filter
from qwenkb.adminlists import IndexedSearchMixin, RelatedWithRowsFilter

KEEP, PREFER_A, PREFER_B, DISMISS = "keep", "a", "b", "dismiss"


class SettleForm(forms.Form):
    """One contradiction's decision on the settle page."""

    decision = forms.ChoiceField(
        choices=[
            (KEEP, "Leave open"),
            (PREFER_A, "Prefer claim A"),
            (PREFER_B, "Prefer claim B"),
            (DISMISS, "Dismiss: not a real conflict"),
        ],
        widget=forms.RadioSelect,
        initial=KEEP,
    )
    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2, "cols": 60}))

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") not in (None, KEEP) and not cleaned.get("note", "").strip():
            self.add_error("note", "Say why in a note; it is kept with the decision.")
        return cleaned


class ContradictionAdminForm(SettleForm, forms.ModelForm):
    """The change page of a contradiction: everything read-only but the decision and its note."""

    class Meta:
        model = Contradiction
        fields: list[str] = []

    def clean(self):
        cleaned = super().clean()
        decision = cleaned.get("decision")
        record = self.instance
        if decision not in (None, KEEP) and record.status != ContradictionStatus.OPEN:
            self.add_error(
                "decision", f"This contradiction is {record.status}; only open ones are settled."
            )
        if decision in (PREFER_A, PREFER_B):
            claim = record.claim_a if decision == PREFER_A else record.claim_b
            if claim.status == "rejected":
                self.add_error("decision", "A rejected claim cannot be preferred.")
        return cleaned


def settle(contradiction: Contradiction, *, decision: str, note: str, user) -> None:
    """Apply one decision through the services."""
    if decision == DISMISS:
        services.contradiction_dismiss(contradiction=contradiction, note=note, user=user)
    elif decision in (PREFER_A, PREFER_B):
        preferred = contradiction.claim_a if decision == PREFER_A else contradiction.claim_b
        services.contradiction_resolve(
            contradiction=contradiction, preferred_claim=preferred, note=note, user=user
        )


def side_by_side_html(contradiction: Contradiction) -> str:
    """Both claims of a contradiction in two columns."""
    claims = [
        (label, claim, value_display(claim))
        for label, claim in (("A", contradiction.claim_a), ("B", contradiction.claim_b))
    ]
    return render_to_string(
        "admin/claims/contradiction/side_by_side.html",
        {"contradiction": contradiction, "claims": claims},
    )


class ReviewFilter(admin.SimpleListFilter):
    """Pending (a claim is still proposed: the editors' queue) or confirmed contradictions."""

    title = "review"
    parameter_name = "review"

    def lookups(self, request, model_admin):
        return ContradictionReview.choices

    def queryset(self, request, queryset):
        if self.value() in ContradictionReview.values:
            return queryset.filter(review_filter(self.value()))
        return queryset


@admin.register(Contradiction)
class ContradictionAdmin(IndexedSearchMixin, SimpleHistoryAdmin):
    """Contradictions, most severe first; reviewers resolve or dismiss them with a note."""

    list_display = [
        "id",
        "kind",
        "severity_display",
        "status",
        "subject",
        "metric",
        "claim_a_value",
        "claim_b_value",
        "explanation",
    ]
    list_filter = [
        "status",
        ReviewFilter,
        "kind",
        "origin",
        ("metric", RelatedWithRowsFilter),
    ]
    search_fields = ["explanation", "subject__name", "metric__name", "resolution_note"]
    ordering = ["-severity", "id"]
    actions = ["settle_selected"]
    readonly_fields = [
        "side_by_side",
        "kind",
        "severity",
        "status",
        "origin",
        "explanation",
        "preferred_claim",
        "resolution_note",
        "resolved_by",
        "resolved_at",
        "created_at",
        "updated_at",
    ]
    form = ContradictionAdminForm
    fields = ["side_by_side", "decision", "note", *readonly_fields[1:]]
    list_select_related = [
        "subject",
        "metric",
        "claim_a__metric",
        "claim_a__source__publisher",
        "claim_b__metric",
        "claim_b__source__publisher",
    ]

    def get_queryset(self, request):
        return super().get_queryset(request).select_related(*self.list_select_related)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return request.user.has_perm("claims.review_claim") and super().has_change_permission(
            request, obj
        )

    def has_settle_permission(self, request):
        return self.has_change_permission(request)

    @admin.display(description="severity", ordering="severity")
    def severity_display(self, record: Contradiction) -> str:
        return (
            f"{record.severity:g} days"
            if record.metric.value_type == "date"
            else f"{record.severity:.3g}×"
        )

    @admin.display(description="claim A")
    def claim_a_value(self, record: Contradiction) -> str:
        return f"{record.claim_a.value_text} — {record.claim_a.source.publisher}"

    @admin.display(description="claim B")
    def claim_b_value(self, record: Contradiction) -> str:
        return f"{record.claim_b.value_text} — {record.claim_b.source.publisher}"

    @admin.display(description="the two claims")
    def side_by_side(self, record: Contradiction) -> str:
        return side_by_side_html(record)

    def save_model(self, request, obj, form, change):
        decision = form.cleaned_data.get("decision", KEEP)
        if decision != KEEP:
            settle(obj, decision=decision, note=form.cleaned_data["note"], user=request.user)

    @admin.action(description="Resolve or dismiss selected…", permissions=["settle"])
    def settle_selected(self, request, queryset):
        records = list(queryset.filter(status=ContradictionStatus.OPEN))
        if not records:
            self.message_user(
                request, "None of the selected contradictions is open.", messages.WARNING
            )
            return None
        forms_ = [
            (r, SettleForm(request.POST if "settle" in request.POST else None, prefix=f"c{r.pk}"))
            for r in records
        ]
        if "settle" in request.POST and all(form.is_valid() for _, form in forms_):
            done = 0
            try:
                with transaction.atomic():
                    for record, form in forms_:
                        decision = form.cleaned_data["decision"]
                        if decision != KEEP:
                            settle(
                                record,
                                decision=decision,
                                note=form.cleaned_data["note"],
                                user=request.user,
                            )
                            done += 1
            except ValidationError as error:
                self.message_user(request, " ".join(error.messages), messages.ERROR)
                return None
            self.message_user(request, f"Settled {done} contradiction(s).", messages.SUCCESS)
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Resolve or dismiss contradictions",
            "rows": [(r, form, side_by_side_html(r)) for r, form in forms_],
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/claims/contradiction/settle.html", context)
