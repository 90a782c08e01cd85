"""Entities, their aliases and metrics in the admin, with merging of duplicates."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.shortcuts import render
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from simple_history.admin import SimpleHistoryAdmin

from claims import services
from claims.admin.claims import report_opened
from claims.admin.forms import add_errors
from claims.display import value_display
from claims.models import Entity, EntityAlias, ExchangeRate, Metric
from claims.selectors import entity_facts
from claims.services import METRIC_FIELDS, RATE_FIELDS
from qwenkb.adminlists import IndexedSearchMixin
from qwenkb.related import related_count


class AliasFormSet(forms.BaseInlineFormSet):
    """Aliases must not collide with any other entity's name or alias."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        aliases = [
            form.cleaned_data["name"]
            for form in self.forms
            if form.cleaned_data.get("name") and not form.cleaned_data.get("DELETE")
        ]
        name = self.data.get("name") or self.instance.name
        try:
            services.entity_names_check(entity=self.instance, name=name, aliases=aliases)
        except ValidationError as error:
            messages_ = error.message_dict.get("aliases", []) + error.message_dict.get("name", [])
            raise ValidationError(messages_) from error


class AliasInline(admin.TabularInline):
    """Other names of an entity."""

    model = EntityAlias
    formset = AliasFormSet
    fields = ["name"]
    extra = 1


class EntityAdminForm(forms.ModelForm):
    """An entity; its name is checked against every other name and alias."""

    reason = forms.CharField(label="Reason for this change", required=False)

    class Meta:
        model = Entity
        fields = ["name", "slug", "kind", "parent", "description"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def clean(self):
        cleaned = super().clean()
        name = cleaned.get("name")
        if name:
            try:
                services.entity_names_check(entity=self.instance, name=name, aliases=[])
            except ValidationError as error:
                add_errors(self, error)
        return cleaned


class CuesField(forms.CharField):
    """A metric's cues, one phrase per line."""

    widget = forms.Textarea(attrs={"rows": 4})

    def prepare_value(self, value):
        if isinstance(value, list):
            return "\n".join(value)
        return value

    def to_python(self, value):
        return [line.strip() for line in (value or "").splitlines() if line.strip()]


class MetricAdminForm(forms.ModelForm):
    """A metric; a change to how its values read is tried on its claims before it is saved."""

    reason = forms.CharField(label="Reason for this change", required=False)
    cues = CuesField(
        required=False,
        help_text="Phrases that name the metric in text, one per line "
        "(\u201ccontext window\u201d); the extractor ties figures to the metric through them.",
    )

    class Meta:
        model = Metric
        fields = list(METRIC_FIELDS)

    user = None  # set per request by ``MetricAdmin.get_form``
    saved: Metric | None = None

    def _post_clean(self):
        # The one call of the service, after the model form's own checks: a refusal (claims
        # that would no longer read) writes nothing and lands on the form's fields; otherwise
        # ``save_model`` takes the metric it saved, inside the admin view's transaction.
        super()._post_clean()
        if self.errors:
            return
        data = {k: self.cleaned_data[k] for k in METRIC_FIELDS if k in self.cleaned_data}
        try:
            self.saved = services.metric_save(
                metric=self.instance if self.instance.pk else None,
                user=self.user,
                reason=self.cleaned_data.get("reason", ""),
                **data,
            )
        except ValidationError as error:
            add_errors(self, error)


class MergeForm(forms.Form):
    """Choose which of the selected entities survives a merge."""

    survivor = forms.ModelChoiceField(queryset=Entity.objects.none(), widget=forms.RadioSelect)
    reason = forms.CharField(required=False)


@admin.register(Entity)
class EntityAdmin(IndexedSearchMixin, SimpleHistoryAdmin):
    """Entities with their aliases inline; duplicates can be merged."""

    form = EntityAdminForm
    inlines = [AliasInline]
    list_display = ["name", "slug", "kind", "parent", "alias_names", "claim_count"]
    list_filter = ["kind"]
    search_fields = ["name", "slug", "aliases__name", "description"]
    autocomplete_fields = ["parent"]
    prepopulated_fields = {"slug": ["name"]}
    actions = ["merge"]
    readonly_fields = ["fact_sheet"]

    @admin.display(description="fact sheet (current values)")
    def fact_sheet(self, entity: Entity):
        if not entity.pk:
            return "—"
        facts = entity_facts(entity)
        if not facts:
            return "No claims yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (
                    fact.metric.name,
                    value_display(fact.current) if fact.current else "no accepted claim",
                    fact.claim_count,
                    "disputed" if fact.disputed else "",
                )
                for fact in facts
            ),
        )
        head = "<tr><th>Metric</th><th>Current value</th><th>Claims</th><th></th></tr>"
        return format_html("<table>{}{}</table>", mark_safe(head), rows)

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("parent")
            .prefetch_related("aliases")
            .annotate(n_claims=related_count(Entity, "claims"))
        )

    @admin.display(description="aliases")
    def alias_names(self, entity: Entity) -> str:
        return ", ".join(alias.name for alias in entity.aliases.all())

    @admin.display(description="claims", ordering="n_claims")
    def claim_count(self, entity: Entity) -> int:
        return entity.n_claims  # type: ignore[attr-defined]  # annotated by get_queryset

    def save_model(self, request, obj, form, change):
        reason = form.cleaned_data.get("reason", "")
        data = {k: form.cleaned_data[k] for k in EntityAdminForm.Meta.fields}
        if change:
            services.entity_update(entity=obj, user=request.user, reason=reason, **data)
        else:
            entity = services.entity_create(user=request.user, reason=reason, **data)
            obj.pk = entity.pk
            obj._state.adding = False

    def save_formset(self, request, form, formset, change):
        if formset.model is not EntityAlias:
            return super().save_formset(request, form, formset, change)
        names = [
            alias_form.cleaned_data["name"]
            for alias_form in formset.forms
            if alias_form not in formset.deleted_forms and alias_form.cleaned_data.get("name")
        ]
        before = {alias.name: alias for alias in form.instance.aliases.all()}
        after = services.entity_aliases_update(
            entity=form.instance,
            names=names,
            user=request.user,
            reason=form.cleaned_data.get("reason", ""),
        )
        # What the admin's change message and log read of a formset it saved.
        kept = {alias.name for alias in after}
        formset.new_objects = [alias for alias in after if alias.name not in before]
        formset.changed_objects = []
        formset.deleted_objects = [a for name, a in before.items() if name not in kept]
        return None

    @admin.action(description="Merge selected entities…", permissions=["change"])
    def merge(self, request, queryset):
        entities = list(queryset.order_by("name"))
        if len(entities) < 2:
            self.message_user(request, "Select at least two entities to merge.", messages.ERROR)
            return None
        form = MergeForm(request.POST if "survivor" in request.POST else None)
        form.fields["survivor"].queryset = queryset
        if form.is_bound and form.is_valid():
            survivor = form.cleaned_data["survivor"]
            duplicates = [e for e in entities if e.pk != survivor.pk]
            services.entity_merge(
                survivor=survivor,
                duplicates=duplicates,
                user=request.user,
                reason=form.cleaned_data["reason"],
            )
            self.message_user(
                request,
                f"Merged {', '.join(d.name for d in duplicates)} into {survivor.name}; "
                "their claims and aliases moved over.",
                messages.SUCCESS,
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": "Merge entities",
            "entities": entities,
            "form": form,
            "opts": self.model._meta,
            "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
        }
        return render(request, "admin/claims/entity/merge.html", context)


@admin.register(Metric)
class MetricAdmin(SimpleHistoryAdmin):
    """Metrics: what claims state, with the rules for comparing them."""

    list_display = [
        "name",
        "slug",
        "value_type",
        "dimension",
        "unit",
        "tolerance",
        "bound_ratio",
        "counting",
        "single_valued",
        "time_varying",
    ]
    list_filter = ["value_type", "dimension", "counting", "single_valued", "time_varying"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    form = MetricAdminForm

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        form.user = request.user  # a class made for this request
        return form

    def save_model(self, request, obj, form, change):
        obj.pk, obj._state.adding = form.saved.pk, False  # saved by the form's one service call


class ExchangeRateAdminForm(forms.ModelForm):
    """A rate between two currencies, with the reason for recording it."""

    reason = forms.CharField(label="Reason for this change", required=False)

    class Meta:
        model = ExchangeRate
        fields = list(RATE_FIELDS)


@admin.register(ExchangeRate)
class ExchangeRateAdmin(SimpleHistoryAdmin):
    """Rates editors record so money in two currencies can be compared."""

    form = ExchangeRateAdminForm
    list_display = ["from_currency", "to_currency", "rate", "note"]

    def save_model(self, request, obj, form, change):
        data = {k: form.cleaned_data[k] for k in RATE_FIELDS}
        written = services.exchange_rate_save(
            exchange_rate=obj if change else None,
            user=request.user,
            reason=form.cleaned_data.get("reason", ""),
            **data,
        )
        obj.pk, obj._state.adding = written.exchange_rate.pk, False
        report_opened(request, written.opened)

    def delete_model(self, request, obj):
        report_opened(request, services.exchange_rate_delete(exchange_rate=obj, user=request.user))

    def delete_queryset(self, request, queryset):
        for rate in queryset:
            self.delete_model(request, rate)
