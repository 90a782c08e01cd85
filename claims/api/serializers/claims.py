"""JSON shapes of claims and contradictions, as DESIGN.md's contract fixes them."""

from drf_spectacular.types import OpenApiTypes
from rest_framework import serializers

from claims.api.serializers.contract import (
    ColumnsField,
    ContractSerializer,
    RelatedRowsField,
    instant,
    iso_date,
)
from claims.choices import (
    ClaimRank,
    ClaimStatus,
    ContradictionReview,
    ContradictionStatus,
    ValueType,
)
from claims.models import Claim, Contradiction, Entity, Metric
from claims.selectors import contradiction_review, review_of
from claims.values import ClaimValue
from claims.values.claim_value import COLUMNS as value_columns
from qwenkb.api import StrictSerializer
from sources.choices import DatePrecision


def entity_ref(entity: Entity | None) -> dict | None:
    """An entity as a value or a reference: slug, name and kind."""
    return {"slug": entity.slug, "name": entity.name, "kind": entity.kind} if entity else None


# The columns a claim's ``value`` is built from, by ``claim_value_json``'s argument names.
VALUE_COLUMNS = {
    "value_type": "metric__value_type",
    "dimension": "metric__dimension",
    "unit": "metric__unit",
    "entity_slug": "entity_value__slug",
    "entity_name": "entity_value__name",
    "entity_kind": "entity_value__kind",
    **{column: column for column in value_columns},
}
_ENTITY = ValueType.ENTITY.value


def claim_value_json(
    value_type, dimension, unit, entity_slug, entity_name, entity_kind, *columns
) -> dict:
    """A claim's ``value`` object (``ClaimValue.json``) from its metric's columns and its own."""
    entity = None
    if value_type == _ENTITY and entity_slug is not None:
        entity = {"slug": entity_slug, "name": entity_name, "kind": entity_kind}
    return ClaimValue._make(columns).json(value_type, dimension=dimension, unit=unit, entity=entity)


def value_field() -> ColumnsField:
    """The ``value`` field of any serializer of claims."""
    return ColumnsField(VALUE_COLUMNS, claim_value_json, schema=VALUE_SCHEMA)


def value_payload(claim: Claim) -> dict:
    """A claim's value as read, in the contract's shape for its metric's type."""
    return value_field().to_representation(claim)


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
        brief_field = "slug"


class MetricRefSerializer(serializers.ModelSerializer):
    """A metric as referenced from elsewhere."""

    class Meta:
        model = Metric
        fields = ["slug", "name", "unit"]
        brief_field = "slug"


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
    review = serializers.ChoiceField(choices=ContradictionReview.choices)
    severity = serializers.FloatField()
    other_claim = serializers.IntegerField()


def claim_contradictions(claim: Claim) -> list[Contradiction]:
    """The records touching a claim, from the prefetched relations when there are any."""
    return sorted(
        [*claim.contradictions_as_a.all(), *claim.contradictions_as_b.all()],
        key=lambda record: record.pk,
    )


def contradiction_ref(
    claim_id: int, record_id: int, a: int, b: int, kind, status, review, severity
):
    """A contradiction as seen from one of its claims (``ContradictionRefSerializer``)."""
    return {
        "id": record_id,
        "kind": kind,
        "status": status,
        "review": review,
        "severity": severity,
        "other_claim": b if claim_id == a else a,
    }


def contradiction_refs_of(claim: Claim) -> list[dict]:
    """A claim instance's contradiction references, in record order."""
    return [
        contradiction_ref(
            claim.pk,
            *(r.pk, r.claim_a_id, r.claim_b_id, r.kind, r.status),
            *(contradiction_review(r), r.severity),
        )
        for r in claim_contradictions(claim)
    ]


def is_disputed(refs: list[dict]) -> bool:
    """Whether any of a claim's contradictions is open."""
    return any(ref["status"] == ContradictionStatus.OPEN for ref in refs)


AS_OF_SCHEMA = {
    "type": "object",
    "properties": {
        "start": {"type": "string", "format": "date", "nullable": True},
        "end": {"type": "string", "format": "date", "nullable": True},
        "precision": {"type": "string", "enum": list(DatePrecision.values)},
    },
}


def as_of_json(start, end, precision) -> dict:
    """When a claim holds, in the contract's shape."""
    return {"start": iso_date(start), "end": iso_date(end), "precision": precision}


def quote_verified(offset) -> bool:
    """Whether the quote was found in the source's stored text (``Claim.quote_verified``)."""
    return offset is not None


class ClaimSerializer(ContractSerializer):
    """A claim with its value as written and as read, its source and its conflicts."""

    # The one contract of a claim: brief mode (`?brief=true`) is Meta.brief_fields, and list
    # pages render rows with this field list compiled (claims.api.rows).

    subject = EntityRefSerializer()
    metric = MetricRefSerializer()
    value = value_field()
    as_of = ColumnsField(
        {"start": "as_of_start", "end": "as_of_end", "precision": "as_of_precision"},
        as_of_json,
        schema=AS_OF_SCHEMA,
    )
    source = SourceRefSerializer()  # type: ignore[assignment]  # a field named like Field.source
    attributed_to = serializers.CharField(
        source="attributed_to.name", allow_null=True, default=None
    )
    quote_verified = ColumnsField(
        {"offset": "quote_offset"},
        quote_verified,
        schema={
            "type": "boolean",
            "description": "False when the source has no stored text to check the quote in.",
        },
    )
    disputed = RelatedRowsField(
        "contradictions", contradiction_refs_of, is_disputed, schema=OpenApiTypes.BOOL
    )
    contradictions = RelatedRowsField(
        "contradictions",
        contradiction_refs_of,
        list,
        schema=ContradictionRefSerializer(many=True),
    )

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
            "quote_verified",
            "status",
            "rank",
            "origin",
            "disputed",
            "contradictions",
            "notes",
            "created_at",
            "updated_at",
        ]
        brief_fields = ["id", "subject", "metric", "value_text", "value", "disputed"]


class ClaimBriefSerializer(ClaimSerializer):
    """A claim in brief, for consumers fetching many rows (`?brief=true`)."""

    brief_default = True


class ClaimWriteSerializer(StrictSerializer):
    """What an editor sends to create or change a claim; the value is read on the server."""

    subject = serializers.CharField(help_text="The entity's slug, name or alias.")
    metric = serializers.SlugField(help_text="The metric's slug.")
    source = serializers.IntegerField(help_text="The source's id.")  # type: ignore[assignment]
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


RESOLUTION_SCHEMA = {
    "type": "object",
    "nullable": True,
    "properties": {
        "note": {"type": "string"},
        "preferred_claim": {"type": "integer", "nullable": True},
        "by": {"type": "string", "nullable": True},
        "at": {"type": "string", "format": "date-time", "nullable": True},
    },
}


def resolution_json(status, note, preferred_claim, by, at) -> dict | None:
    """How a settled contradiction was settled; None while it is not."""
    if status not in (ContradictionStatus.RESOLVED, ContradictionStatus.DISMISSED):
        return None
    return {"note": note, "preferred_claim": preferred_claim, "by": by, "at": instant(at)}


def record_claims(record: Contradiction) -> list[dict]:
    """A record instance's two claims in full."""
    return list(ClaimSerializer([record.claim_a, record.claim_b], many=True).data)


class ContradictionSerializer(ContractSerializer):
    """A contradiction with both claims in full and its resolution."""

    subject = EntityRefSerializer()
    metric = MetricRefSerializer()
    claims = RelatedRowsField(
        "claims",
        record_claims,
        list,
        columns=("claim_a_id", "claim_b_id"),
        schema=ClaimSerializer(many=True),
    )
    review = ColumnsField(
        {"a": "claim_a__status", "b": "claim_b__status"},
        review_of,
        schema={"type": "string", "enum": list(ContradictionReview.values)},
    )
    resolution = ColumnsField(
        {
            "status": "status",
            "note": "resolution_note",
            "preferred_claim": "preferred_claim_id",
            "by": "resolved_by__username",
            "at": "resolved_at",
        },
        resolution_json,
        schema=RESOLUTION_SCHEMA,
    )

    class Meta:
        model = Contradiction
        fields = [
            "id",
            "kind",
            "severity",
            "status",
            "review",
            "origin",
            "subject",
            "metric",
            "claims",
            "explanation",
            "resolution",
            "created_at",
            "updated_at",
        ]


class ResolveSerializer(StrictSerializer):
    """Resolve a contradiction by preferring one of its claims."""

    preferred_claim = serializers.IntegerField()
    note = serializers.CharField()


class PreferSerializer(StrictSerializer):
    """Prefer a claim; the note is kept with every contradiction it settles."""

    note = serializers.CharField()


class DismissSerializer(StrictSerializer):
    """Dismiss a contradiction as not a real conflict."""

    note = serializers.CharField()


class ReasonSerializer(StrictSerializer):
    """An optional reason for a review action, kept in the history."""

    reason = serializers.CharField(required=False, allow_blank=True)
