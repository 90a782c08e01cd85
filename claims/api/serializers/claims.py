"""JSON shapes of claims and contradictions, as DESIGN.md's contract fixes them."""

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.choices import ClaimRank, ClaimStatus, ContradictionStatus, ValueType
from claims.display import unit_of
from claims.models import Claim, Contradiction, Entity, Metric
from qwenkb.api import StrictSerializer
from sources.choices import DatePrecision


def iso_date(day) -> str | None:
    """A date as the contract writes it, or None."""
    return day.isoformat() if day else None


def entity_ref(entity: Entity | None) -> dict | None:
    """An entity as a value or a reference: slug, name and kind."""
    return {"slug": entity.slug, "name": entity.name, "kind": entity.kind} if entity else None


def value_payload(claim: Claim) -> dict:
    """A claim's value as read, in the contract's shape for its metric's type."""
    metric = claim.metric
    entity = entity_ref(claim.entity_value) if metric.value_type == ValueType.ENTITY else None
    return value_of(vars(claim), metric.value_type, metric.dimension, metric.unit, entity)


def value_of(row, kind: str, dimension: str, unit: str, entity: dict | None) -> dict:
    """The value payload from a claim's stored columns (a model's fields or a values() row)."""
    if kind == ValueType.QUANTITY:
        payload = {
            "type": "quantity",
            "bound": row["bound"],
            "low": row["low"],
            "high": row["high"],
            "point": row["point"],
            "unit": unit_of(dimension, unit, row["currency"]),
        }
        if row["eq_currency"]:
            payload["equivalent"] = {
                "low": row["eq_low"],
                "high": row["eq_high"],
                "point": row["eq_point"],
                "unit": row["eq_currency"],
            }
        return payload
    if kind == ValueType.DATE:
        return {
            "type": "date",
            "start": iso_date(row["date_start"]),
            "end": iso_date(row["date_end"]),
            "precision": row["date_precision"],
        }
    if kind == ValueType.ENTITY:
        return {"type": "entity", "entity": entity}
    if kind == ValueType.BOOLEAN:
        return {"type": "boolean", "value": row["bool_value"]}
    return {"type": "text", "text": row["text_value"]}


VALUE_SCHEMA = {
    "type": "object",
    "description": "The value as read; its keys depend on `type`.",
    "properties": {
        "type": {"type": "string", "enum": list(ValueType.values)},
        "bound": {"type": "string"},
        "low": {"type": "number", "nullable": True},
        "high": {"type": "number", "nullable": True},
        "point": {"type": "number", "nullable": True},
        "unit": {"type": "string"},
        "equivalent": {"type": "object", "additionalProperties": True},
        "start": {"type": "string", "format": "date", "nullable": True},
        "end": {"type": "string", "format": "date", "nullable": True},
        "precision": {"type": "string"},
        "text": {"type": "string"},
        "entity": {"type": "object", "nullable": True, "additionalProperties": True},
        "value": {"type": "boolean", "nullable": True},
    },
    "required": ["type"],
}


class EntityRefSerializer(serializers.ModelSerializer):
    """An entity as referenced from elsewhere."""

    class Meta:
        model = Entity
        fields = ["slug", "name", "kind"]


class MetricRefSerializer(serializers.ModelSerializer):
    """A metric as referenced from elsewhere."""

    class Meta:
        model = Metric
        fields = ["slug", "name", "unit"]


class SourceRefSerializer(serializers.Serializer):
    """A source as referenced from a claim."""

    id = serializers.IntegerField()
    title = serializers.CharField()
    publisher = serializers.CharField(source="publisher.name")
    published = serializers.DateField(allow_null=True)
    published_precision = serializers.CharField()
    reliability = serializers.CharField()


class ContradictionRefSerializer(serializers.Serializer):
    """A contradiction as seen from one of its claims."""

    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    severity = serializers.FloatField()
    other_claim = serializers.IntegerField()


def claim_contradictions(claim: Claim) -> list[Contradiction]:
    """The records touching a claim, from the prefetched relations when there are any."""
    return sorted(
        [*claim.contradictions_as_a.all(), *claim.contradictions_as_b.all()],
        key=lambda record: record.pk,
    )


class ClaimSerializer(serializers.ModelSerializer):
    """A claim with its value as written and as read, its source and its conflicts."""

    subject = EntityRefSerializer()
    metric = MetricRefSerializer()
    value = serializers.SerializerMethodField()
    as_of = serializers.SerializerMethodField()
    source = SourceRefSerializer()
    attributed_to = serializers.CharField(
        source="attributed_to.name", allow_null=True, default=None
    )
    disputed = serializers.SerializerMethodField()
    contradictions = serializers.SerializerMethodField()

    class Meta:
        model = Claim
        fields = [
            "id",
            "subject",
            "metric",
            "value_text",
            "value",
            "as_of",
            "source",
            "attributed_to",
            "quote",
            "status",
            "rank",
            "origin",
            "disputed",
            "contradictions",
            "notes",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(VALUE_SCHEMA)
    def get_value(self, claim: Claim) -> dict:
        return value_payload(claim)

    @extend_schema_field(
        {
            "type": "object",
            "properties": {
                "start": {"type": "string", "format": "date", "nullable": True},
                "end": {"type": "string", "format": "date", "nullable": True},
                "precision": {"type": "string", "enum": list(DatePrecision.values)},
            },
        }
    )
    def get_as_of(self, claim: Claim) -> dict:
        return {
            "start": iso_date(claim.as_of_start),
            "end": iso_date(claim.as_of_end),
            "precision": claim.as_of_precision,
        }

    @extend_schema_field(OpenApiTypes.BOOL)
    def get_disputed(self, claim: Claim) -> bool:
        return any(r.status == ContradictionStatus.OPEN for r in claim_contradictions(claim))

    @extend_schema_field(ContradictionRefSerializer(many=True))
    def get_contradictions(self, claim: Claim) -> list[dict]:
        return [
            {
                "id": record.pk,
                "kind": record.kind,
                "status": record.status,
                "severity": record.severity,
                "other_claim": record.other(claim.pk),
            }
            for record in claim_contradictions(claim)
        ]


class ClaimBriefSerializer(ClaimSerializer):
    """A claim in brief, for consumers fetching many rows (`?brief=true`)."""

    subject = serializers.SlugRelatedField(slug_field="slug", read_only=True)
    metric = serializers.SlugRelatedField(slug_field="slug", read_only=True)

    class Meta(ClaimSerializer.Meta):
        fields = ["id", "subject", "metric", "value_text", "value", "disputed"]


class ClaimWriteSerializer(StrictSerializer):
    """What an editor sends to create or change a claim; the value is read on the server."""

    subject = serializers.CharField(help_text="The entity's slug, name or alias.")
    metric = serializers.SlugField(help_text="The metric's slug.")
    source = serializers.IntegerField(help_text="The source's id.")
    value_text = serializers.CharField(
        max_length=300, help_text="The value as the source writes it."
    )
    quote = serializers.CharField(help_text="Verbatim from the source's text.")
    attributed_to = serializers.SlugField(
        required=False, allow_null=True, help_text="Slug of the publisher the source cites."
    )
    as_of = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text="When the claim holds, as written; empty: the source's date.",
    )
    as_of_text = serializers.CharField(
        required=False,
        allow_blank=True,
        allow_null=True,
        help_text='When the claim holds, in the source\'s own words ("by the end of January"), '
        "read against the source's date; instead of as_of.",
    )
    status = serializers.ChoiceField(choices=ClaimStatus.choices, required=False)
    rank = serializers.ChoiceField(choices=ClaimRank.choices, required=False)
    notes = serializers.CharField(required=False, allow_blank=True)
    reason = serializers.CharField(
        required=False, allow_blank=True, write_only=True, help_text="Kept in the history."
    )


class ContradictionSerializer(serializers.ModelSerializer):
    """A contradiction with both claims in full and its resolution."""

    subject = EntityRefSerializer()
    metric = MetricRefSerializer()
    claims = serializers.SerializerMethodField()
    resolution = serializers.SerializerMethodField()

    class Meta:
        model = Contradiction
        fields = [
            "id",
            "kind",
            "severity",
            "status",
            "origin",
            "subject",
            "metric",
            "claims",
            "explanation",
            "resolution",
            "created_at",
            "updated_at",
        ]

    @extend_schema_field(ClaimSerializer(many=True))
    def get_claims(self, record: Contradiction) -> list[dict]:
        return ClaimSerializer([record.claim_a, record.claim_b], many=True).data

    @extend_schema_field(
        {
            "type": "object",
            "nullable": True,
            "properties": {
                "note": {"type": "string"},
                "preferred_claim": {"type": "integer", "nullable": True},
                "by": {"type": "string", "nullable": True},
                "at": {"type": "string", "format": "date-time", "nullable": True},
            },
        }
    )
    def get_resolution(self, record: Contradiction) -> dict | None:
        if record.status not in (ContradictionStatus.RESOLVED, ContradictionStatus.DISMISSED):
            return None
        return {
            "note": record.resolution_note,
            "preferred_claim": record.preferred_claim_id,
            "by": record.resolved_by.get_username() if record.resolved_by else None,
            "at": record.resolved_at.isoformat() if record.resolved_at else None,
        }


class ResolveSerializer(StrictSerializer):
    """Resolve a contradiction by preferring one of its claims."""

    preferred_claim = serializers.IntegerField()
    note = serializers.CharField()


class DismissSerializer(StrictSerializer):
    """Dismiss a contradiction as not a real conflict."""

    note = serializers.CharField()


class ReasonSerializer(StrictSerializer):
    """An optional reason for a review action, kept in the history."""

    reason = serializers.CharField(required=False, allow_blank=True)
