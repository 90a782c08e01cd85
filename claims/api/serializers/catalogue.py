"""JSON shapes of entities (and their fact sheets), metrics (and their values) and parsing."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.serializers.claims import (
    EntityRefSerializer,
    MetricRefSerializer,
    SourceRefSerializer,
    value_field,
)
from claims.api.serializers.contract import ColumnsField
from claims.choices import ContradictionReview, Counting, Dimension, EntityKind, ValueType
from claims.models import Entity, Metric
from claims.services import BOUND_RATIO_MAX, CUE_MAX_LENGTH, METRIC_FIELDS
from qwenkb.api import StrictSerializer


class EntitySerializer(serializers.ModelSerializer):
    """An entity with its aliases, parent and children."""

    aliases = serializers.SerializerMethodField()
    parent = EntityRefSerializer(allow_null=True)
    children = EntityRefSerializer(many=True)

    class Meta:
        model = Entity
        fields = ["slug", "name", "kind", "description", "aliases", "parent", "children"]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_aliases(self, entity: Entity) -> list[str]:
        return [alias.name for alias in entity.aliases.all()]


class EntityWriteSerializer(StrictSerializer):
    """What an editor sends to create or change an entity."""

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=200)
    kind = serializers.ChoiceField(choices=EntityKind.choices)
    parent = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.parent
        required=False, allow_null=True, allow_blank=True, help_text="Slug, name or alias."
    )
    description = serializers.CharField(required=False, allow_blank=True)
    aliases = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        help_text="On create only; aliases are added in the admin afterwards.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)


class MetricSerializer(serializers.ModelSerializer):
    """A metric and the rules its claims are compared by."""

    class Meta:
        model = Metric
        fields = list(METRIC_FIELDS)


class MetricWriteSerializer(StrictSerializer):
    """What an editor sends to create or change a metric (PUT: every field; PATCH: some).

    A change to how values read (value type, dimension, unit, tolerance) reads its claims
    again, and is refused, naming them, if some would no longer read; a change to the
    comparison rules re-checks its claims for contradictions.
    """

    name = serializers.CharField(max_length=200)
    slug = serializers.SlugField(max_length=200)
    value_type = serializers.ChoiceField(choices=ValueType.choices)
    dimension = serializers.ChoiceField(
        choices=Dimension.choices,
        required=False,
        allow_blank=True,
        help_text="Quantities only (and required for them): number, percent, multiplier, money.",
    )
    description = serializers.CharField(required=False, allow_blank=True)
    unit = serializers.CharField(max_length=100, required=False, allow_blank=True)
    tolerance = serializers.FloatField(required=False, min_value=0, max_value=0.999)
    bound_ratio = serializers.FloatField(
        required=False,
        min_value=1,
        max_value=BOUND_RATIO_MAX,
        help_text="How far an open bound and a figure inside it may differ (default 1.5).",
    )
    counting = serializers.ChoiceField(choices=Counting.choices, required=False)
    single_valued = serializers.BooleanField(required=False)
    time_varying = serializers.BooleanField(required=False)
    cues = serializers.ListField(
        child=serializers.CharField(max_length=CUE_MAX_LENGTH),
        required=False,
        max_length=200,
        help_text="Phrases that name the metric in text; replaces the list.",
    )
    reason = serializers.CharField(required=False, allow_blank=True, write_only=True)


class CurrentClaimSerializer(serializers.Serializer):
    """The claim that gives a group's current value."""

    id = serializers.IntegerField()
    value_text = serializers.CharField()
    value = value_field()
    source = SourceRefSerializer()  # type: ignore[assignment]  # a field named like Field.source
    status = serializers.CharField()
    rank = serializers.CharField()


class OpenContradictionSerializer(serializers.Serializer):
    """An open contradiction in a fact sheet; a pending one does not make the fact disputed."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    severity = serializers.FloatField()
    review = serializers.ChoiceField(choices=ContradictionReview.choices)
    claims = ColumnsField(
        {"a": "claim_a_id", "b": "claim_b_id"},
        lambda a, b: [a, b],
        schema=serializers.ListField(child=serializers.IntegerField()),
    )
    explanation = serializers.CharField()


class FactSerializer(serializers.Serializer):
    """One row of a fact sheet: a metric's current value for the entity."""

    metric = MetricRefSerializer()
    value_type = serializers.CharField(source="metric.value_type")
    current = CurrentClaimSerializer(allow_null=True)
    grade = serializers.CharField(
        allow_null=True, help_text="Reliability grade of the current value's source."
    )
    why = serializers.CharField(help_text="Why the current value was chosen among the claims.")
    claim_count = serializers.IntegerField()
    source_count = serializers.IntegerField()
    disputed = serializers.BooleanField()
    open_contradictions = OpenContradictionSerializer(many=True)


class MetricValueSerializer(serializers.Serializer):
    """One entity's current value of a metric."""

    entity = EntityRefSerializer(source="subject")
    current = CurrentClaimSerializer(allow_null=True)
    grade = serializers.CharField(
        allow_null=True, help_text="Reliability grade of the current value's source."
    )
    why = serializers.CharField(help_text="Why the current value was chosen among the claims.")
    claim_count = serializers.IntegerField()
    disputed = serializers.BooleanField()
    open_contradictions = OpenContradictionSerializer(many=True)


class ParsedSerializer(serializers.Serializer):
    """The result of reading a value as written."""

    text = serializers.CharField()
    metric = serializers.CharField(allow_null=True)
    value = serializers.DictField()
