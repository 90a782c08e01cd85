"""Publishers and sources in the admin.

A source's claims are edited on its page: the claims app adds that inline
(``claims.admin.sources``), so this app knows nothing of claims.
"""

from django import forms
from django.contrib import admin
from django.db import models
from simple_history.admin import SimpleHistoryAdmin

from qwenkb.adminlists import IndexedSearchMixin, RelatedWithRowsFilter
from qwenkb.related import related_count
from sources import services
from sources.documents import (
    HTML_SUFFIXES,
    TEXT_SUFFIXES,
    UnreadableDocument,
    document_text,
    plain_newlines,
)
from sources.models import Publisher, Source
from sources.services import SOURCE_FIELDS


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
        # As the services store it: a browser sends the textarea's line breaks as \r\n.
        text = plain_newlines(self.cleaned_data.get("text", ""))
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
        return super().get_queryset(request).annotate(n_sources=related_count(Publisher, "sources"))

    @admin.display(description="sources", ordering="n_sources")
    def source_count(self, publisher: Publisher) -> int:
        return publisher.n_sources  # type: ignore[attr-defined]  # annotated by get_queryset

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data[k] for k in form.changed_data if k in form.cleaned_data}
        if change:
            services.publisher_save(publisher=obj, user=request.user, **data)
        else:
            data = {k: form.cleaned_data[k] for k in form.fields if k in form.cleaned_data}
            saved = services.publisher_save(user=request.user, **data)
            obj.pk, obj._state.adding = saved.pk, False


@admin.register(Source)
class SourceAdmin(IndexedSearchMixin, SimpleHistoryAdmin):
    """Sources and their metadata; apps that hang records on a source add inlines."""

    form = SourceAdminForm
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
    list_display = [
        "title",
        "publisher",
        "published",
        "published_precision",
        "reliability",
        "claim_count",
    ]
    list_filter = ["reliability", ("publisher", RelatedWithRowsFilter), "language"]
    search_fields = ["title", "key", "author", "publisher__name"]
    autocomplete_fields = ["publisher"]
    date_hierarchy = "published"

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("publisher")
            .annotate(n_claims=related_count(Source, "claims"))
        )

    @admin.display(description="claims", ordering="n_claims")
    def claim_count(self, source: Source) -> int:
        return source.n_claims  # type: ignore[attr-defined]  # annotated by get_queryset

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
