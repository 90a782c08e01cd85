"""Publishers and sources in the admin; a source's claims are edited on its page."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Count
from django.http import HttpResponseRedirect
from django.urls import reverse
from simple_history.admin import SimpleHistoryAdmin

from claims import services as claim_services
from claims.admin.claims import report_opened
from claims.admin.forms import ClaimInlineForm
from claims.extraction.documents import (
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    UnreadableDocument,
    document_text,
)
from claims.models import Claim
from sources import services
from sources.models import Publisher, Source
from sources.services import SOURCE_FIELDS


class ClaimInline(admin.StackedInline):
    """The claims a source makes, in document order."""

    model = Claim
    form = ClaimInlineForm
    fk_name = "source"
    extra = 0
    autocomplete_fields = ["subject", "metric", "attributed_to"]
    fields = [
        ("subject", "metric"),
        ("value_text", "status", "rank"),
        "quote",
        ("attributed_to", "as_of"),
    ]
    ordering = ["quote_offset", "id"]
    show_change_link = True
    classes = ["collapse"]

    def get_readonly_fields(self, request, obj=None):
        fields = list(super().get_readonly_fields(request, obj))
        if not request.user.has_perm("claims.review_claim"):
            fields += ["status", "rank"]  # review decisions are the reviewers'
        return fields

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("subject", "metric", "attributed_to", "source")
        )


class SourceAdminForm(forms.ModelForm):
    """A source; a new text must keep every quote its claims make."""

    reason = forms.CharField(label="Reason for this change", required=False)
    url = forms.URLField(label="URL", required=False, max_length=1000, assume_scheme="https")
    upload = forms.FileField(
        label="Or upload the text",
        required=False,
        help_text="A .txt, .md or .html file; an HTML page gives its words. Replaces the text.",
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(TEXT_SUFFIXES + HTML_SUFFIXES)}),
    )

    class Meta:
        model = Source
        fields = list(SOURCE_FIELDS)

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("reliability") and cleaned.get("publisher"):
            cleaned["reliability"] = cleaned["publisher"].reliability
        uploaded = cleaned.get("upload")
        if uploaded:
            missing = services.quotes_missing_from(uploaded, self.instance)
            if missing:
                self.add_error("upload", f"The new text breaks quotes: {'; '.join(missing)}.")
            else:
                cleaned["text"] = uploaded
        return cleaned

    def clean_upload(self):
        upload = self.cleaned_data.get("upload")
        if not upload:
            return None
        if not upload.name.lower().endswith(TEXT_SUFFIXES + HTML_SUFFIXES):
            raise forms.ValidationError(
                f"\u201c{upload.name}\u201d is not a .txt, .md or .html file; paste its text."
            )
        try:
            return document_text(upload.name, upload.read())
        except UnreadableDocument as exc:
            raise forms.ValidationError(str(exc)) from exc

    def clean_text(self):
        text = self.cleaned_data.get("text", "")
        missing = services.quotes_missing_from(text, self.instance)
        if missing:
            raise forms.ValidationError(f"The new text breaks quotes: {'; '.join(missing)}.")
        return text


@admin.register(Publisher)
class PublisherAdmin(SimpleHistoryAdmin):
    """Publishers and their default reliability."""

    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = ["name", "slug", "reliability", "source_count"]
    list_filter = ["reliability"]
    search_fields = ["name", "slug"]
    prepopulated_fields = {"slug": ["name"]}

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(n_sources=Count("sources"))

    @admin.display(description="sources", ordering="n_sources")
    def source_count(self, publisher: Publisher) -> int:
        return publisher.n_sources

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data[k] for k in form.changed_data if k in form.cleaned_data}
        if change:
            services.publisher_save(publisher=obj, user=request.user, **data)
        else:
            data = {k: form.cleaned_data[k] for k in form.fields if k in form.cleaned_data}
            saved = services.publisher_save(user=request.user, **data)
            obj.pk, obj._state.adding = saved.pk, False


@admin.register(Source)
class SourceAdmin(SimpleHistoryAdmin):
    """Sources with their claims inline (on an existing source's page)."""

    form = SourceAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    inlines = [ClaimInline]
    list_display = [
        "title",
        "publisher",
        "published",
        "published_precision",
        "reliability",
        "claim_count",
    ]
    list_filter = ["reliability", ("publisher", admin.RelatedOnlyFieldListFilter), "language"]
    search_fields = ["title", "key", "author", "publisher__name"]
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published"
    actions = ["propose"]
    change_form_template = "admin/sources/source/change_form.html"

    @admin.action(description="Propose claims from the selected sources' texts")
    def propose(self, request, queryset):
        for source in queryset:
            self._propose(request, source)

    def _propose(self, request, source: Source) -> None:
        try:
            run = claim_services.source_propose(source=source, user=request.user)
        except ValidationError as error:
            self.message_user(request, f"{source}: {' '.join(error.messages)}", messages.ERROR)
            return
        self.message_user(
            request,
            f"{source}: {len(run.proposed)} claim(s) proposed, {len(run.candidates)} new-entity "
            f"candidate(s), {len(run.skipped)} figure(s) skipped.",
            messages.SUCCESS,
        )

    def response_add(self, request, obj, post_url_continue=None):
        if "_propose" in request.POST:
            self._propose(request, obj)
            return HttpResponseRedirect(
                reverse("admin:claims_proposal_changelist") + f"?source={obj.pk}"
            )
        return super().response_add(request, obj, post_url_continue)

    def response_change(self, request, obj):
        if "_propose" in request.POST:
            self._propose(request, obj)
            return HttpResponseRedirect(
                reverse("admin:claims_proposal_changelist") + f"?source={obj.pk}"
            )
        return super().response_change(request, obj)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("publisher")
            .annotate(n_claims=Count("claims"))
        )

    @admin.display(description="claims", ordering="n_claims")
    def claim_count(self, source: Source) -> int:
        return source.n_claims

    def get_inlines(self, request, obj):
        # Claims are checked against their source, so a new source is saved first.
        return self.inlines if obj is not None else []

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("reason", "")
        data = {k: form.cleaned_data[k] for k in SOURCE_FIELDS}
        if change:
            services.source_save(source=obj, user=request.user, reason=reason, **data)
            obj.refresh_from_db()
        else:
            saved = services.source_save(user=request.user, reason=reason, **data)
            obj.pk, obj._state.adding = saved.pk, False
            obj.refresh_from_db()

    def save_formset(self, request, form, formset, change):
        if formset.model is not Claim:
            return super().save_formset(request, form, formset, change)
        for claim in formset.deleted_objects if hasattr(formset, "deleted_objects") else []:
            claim_services.claim_reject(
                claim=claim, user=request.user, reason="Removed on its source page"
            )
        for inline_form in formset.forms:
            if not inline_form.has_changed() or inline_form in formset.deleted_forms:
                continue
            inputs = inline_form.service_inputs()
            inputs["source"] = form.instance
            if inline_form.instance.pk:
                result = claim_services.claim_update(
                    claim=inline_form.instance, user=request.user, **inputs
                )
            else:
                result = claim_services.claim_create(user=request.user, **inputs)
            report_opened(request, result.opened)
        return None
