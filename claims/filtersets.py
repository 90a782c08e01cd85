"""One FilterSet per model, shared by the REST API and the researcher pages.

A filter value that cannot be used (an unknown slug, a date that is not a date, a letter
where a number goes) makes the FilterSet invalid with a message under the parameter's
name: the API answers 400 with it and the pages show it. Nothing is silently ignored.
"""

import django_filters as filters
from django import forms
from django.db.models import Q
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from claims import search
from claims.choices import (
    ClaimOrigin,
    ClaimRank,
    ClaimStatus,
    ContradictionKind,
    ContradictionReview,
    ContradictionStatus,
    EntityKind,
    ValueType,
)
from claims.models import Claim, Contradiction, Entity, Metric
from claims.selectors import (
    ENTITY_BY_SLUG_OR_KEY,
    entity_descendant_ids,
    entity_resolve,
    open_contradiction_exists,
    review_filter,
)
from qwenkb.filters import SearchFilter, SlugFilter, StrictBooleanFilter
from sources.choices import Reliability
from sources.models import Publisher, Source


class EntityField(forms.CharField):
    """A form field that takes an entity's slug, name or alias and gives the entity."""

    def lookups(self, raw) -> list:
        """The statement ``clean`` will run first for ``raw``, to be fetched with the others
        (``qwenkb.filters.NamedFiltersBackend``)."""
        text = raw.strip() if isinstance(raw, str) else ""
        return [(ENTITY_BY_SLUG_OR_KEY, (text,))] if text else []

    def clean(self, value):
        value = super().clean(value)
        if not value:
            return None
        entity = entity_resolve(value)
        if entity is None:
            raise forms.ValidationError(  # params, so a "%" in the value is not a format
                "No entity has the slug, name or alias \u201c%(value)s\u201d.",
                params={"value": value},
            )
        return entity


@extend_schema_field(OpenApiTypes.STR)
class EntityFilter(filters.Filter):
    """Filter by an entity given as slug, name or alias."""

    field_class = EntityField


class SubtreeFilter(StrictBooleanFilter):
    """``descendants=true``: a ``parent`` filter matches the whole subtree, not only children."""

    def __init__(self, **kwargs):
        kwargs.setdefault(
            "label", "With parent: everything below it, not only its children (true/false)"
        )
        super().__init__(method=self.nothing, **kwargs)

    @staticmethod
    def nothing(queryset, name, value):
        return queryset  # read by the parent filter, which it changes


class SubtreeForm(forms.Form):
    """A filter form that refuses ``descendants`` without the ``parent`` it applies to."""

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("descendants") and not cleaned.get("parent"):
            self.add_error("descendants", "Give a parent too: descendants=true widens it.")
        return cleaned


def below(filterset, queryset, parent: Entity):
    """Entities under ``parent``: its children, or with ``descendants=true`` its whole subtree."""
    if filterset.form.cleaned_data.get("descendants"):
        ids = [pk for pk in entity_descendant_ids(parent) if pk != parent.pk]
        return queryset.filter(pk__in=ids)
    return queryset.filter(parent=parent)


class EntityFilterSet(filters.FilterSet):
    """Entities by name or alias, kind and parent."""

    q = SearchFilter(method="filter_q", label="Name or alias contains")
    kind = filters.ChoiceFilter(choices=EntityKind.choices)
    parent = EntityFilter(method="filter_parent", label="Parent (slug, name or alias)")
    descendants = SubtreeFilter()
    ordering = filters.OrderingFilter(fields=(("name", "name"), ("kind", "kind")))

    class Meta:
        model = Entity
        fields = ["q", "kind", "parent"]
        form = SubtreeForm

    def filter_q(self, queryset, name, value):
        return search.entity_matches(queryset, value)  # exact name or alias first

    def filter_parent(self, queryset, name, value):
        return below(self, queryset, value)


class ClaimFilterSet(filters.FilterSet):
    """Claims by subject, metric, source, status, dispute, period, value and text."""

    subject = EntityFilter(method="filter_subject", label="Subject (slug, name or alias)")
    subject_tree = EntityFilter(
        method="filter_subject_tree", label="Subject or anything below it (slug, name or alias)"
    )
    metric = SlugFilter(field_name="metric", model=Metric, label="Metric (slug)")
    source = filters.ModelChoiceFilter(queryset=Source.objects.all(), label="Source (id)")
    publisher = SlugFilter(
        field_name="source__publisher", model=Publisher, label="Publisher of the source (slug)"
    )
    kind = filters.ChoiceFilter(
        field_name="subject__kind", choices=EntityKind.choices, label="Subject kind"
    )
    status = filters.ChoiceFilter(choices=ClaimStatus.choices)
    origin = filters.ChoiceFilter(choices=ClaimOrigin.choices, label="How it came in")
    rank = filters.ChoiceFilter(choices=ClaimRank.choices)
    reliability = filters.ChoiceFilter(
        field_name="source__reliability", choices=Reliability.choices
    )
    value_type = filters.ChoiceFilter(field_name="metric__value_type", choices=ValueType.choices)
    disputed = StrictBooleanFilter(method="filter_disputed", label="In an open contradiction")
    as_of_after = filters.DateFilter(
        method="filter_as_of_after", label="As-of period ends on or after (YYYY-MM-DD)"
    )
    as_of_before = filters.DateFilter(
        method="filter_as_of_before", label="As-of period starts on or before (YYYY-MM-DD)"
    )
    value_min = filters.NumberFilter(field_name="point", lookup_expr="gte", label="Figure ≥")
    value_max = filters.NumberFilter(field_name="point", lookup_expr="lte", label="Figure ≤")
    q = SearchFilter(method="filter_q", label="Quote, value or notes contain")
    ordering = filters.OrderingFilter(
        fields=(
            ("point", "value"),
            ("as_of_start", "as_of"),
            ("created_at", "created"),
            ("id", "id"),
        )
    )

    class Meta:
        model = Claim
        fields: list[str] = []

    def filter_subject(self, queryset, name, value):
        return queryset.filter(subject=value)

    def filter_subject_tree(self, queryset, name, value):
        return queryset.filter(subject_id__in=entity_descendant_ids(value))

    def filter_disputed(self, queryset, name, value):
        exists = open_contradiction_exists()
        return queryset.filter(exists if value else ~exists)

    def filter_as_of_after(self, queryset, name, value):
        return queryset.filter(
            Q(as_of_end__gte=value) | Q(as_of_end__isnull=True, as_of_start__gte=value)
        )

    def filter_as_of_before(self, queryset, name, value):
        return queryset.filter(as_of_start__lte=value)

    def filter_q(self, queryset, name, value):
        return queryset.filter(search.claim_text_contains(value))


class ContradictionFilterSet(filters.FilterSet):
    """Contradictions by status, kind, subject, metric and severity."""

    status = filters.ChoiceFilter(choices=ContradictionStatus.choices)
    kind = filters.ChoiceFilter(choices=ContradictionKind.choices)
    subject = EntityFilter(method="filter_subject", label="Subject (slug, name or alias)")
    metric = SlugFilter(field_name="metric", model=Metric, label="Metric (slug)")
    severity_min = filters.NumberFilter(
        field_name="severity", lookup_expr="gte", label="Severity ≥"
    )
    review = filters.ChoiceFilter(
        choices=ContradictionReview.choices,
        method="filter_review",
        label="Review (pending while a claim is proposed)",
    )
    ordering = filters.OrderingFilter(
        fields=(("severity", "severity"), ("created_at", "created"), ("id", "id"))
    )

    class Meta:
        model = Contradiction
        fields: list[str] = []

    def filter_subject(self, queryset, name, value):
        return queryset.filter(subject=value)

    def filter_review(self, queryset, name, value):
        return queryset.filter(review_filter(value))


class MetricFilterSet(filters.FilterSet):
    """Metrics by value type."""

    value_type = filters.ChoiceFilter(choices=ValueType.choices)
    q = SearchFilter(method="filter_q", label="Name, slug or description contains")

    class Meta:
        model = Metric
        fields: list[str] = []

    def filter_q(self, queryset, name, value):
        return search.metric_matches(queryset, value)


class MetricValuesFilterSet(filters.FilterSet):
    """Which entities' values of one metric to show: by kind or parent ("every Qwen3.5 model")."""

    kind = filters.ChoiceFilter(choices=EntityKind.choices, label="Entity kind")
    parent = EntityFilter(method="filter_parent", label="Parent entity (slug, name or alias)")
    descendants = SubtreeFilter()
    ordering = filters.ChoiceFilter(
        choices=[("value", "value"), ("-value", "value, descending"), ("name", "name")],
        method="filter_nothing",
        label="Order",
    )

    class Meta:
        model = Entity
        fields: list[str] = []
        form = SubtreeForm

    def filter_parent(self, queryset, name, value):
        return below(self, queryset, value)

    def filter_nothing(self, queryset, name, value):
        return queryset  # applied to the computed values by the caller
