"""Lean list payloads: claims and contradictions read as plain rows, shaped without serializers.

A list page reads each claim with its subject, metric, source and publisher in one
``values()`` query (only the columns the contract shows), and every contradiction touching
the page's claims in one more: no model instances, no per-field serializer calls. The
output is the same JSON ``ClaimSerializer`` and ``ContradictionSerializer`` give for one
object (tests compare the two on every seed claim and record); details and writes keep the
serializers, whose declarations also document the shapes in the OpenAPI schema.
"""

from collections import defaultdict

from django.db.models import Q

from claims.api.serializers.claims import iso_date, value_of
from claims.choices import ContradictionStatus, ValueType
from claims.models import Claim, Contradiction

# The columns a claim's value is read from, as values() paths.
VALUE_COLUMNS = (
    "metric__unit",
    "metric__value_type",
    "metric__dimension",
    "value_text",
    "bound",
    "low",
    "high",
    "point",
    "currency",
    "eq_currency",
    "eq_low",
    "eq_high",
    "eq_point",
    "date_start",
    "date_end",
    "date_precision",
    "text_value",
    "bool_value",
    "entity_value__slug",
    "entity_value__name",
    "entity_value__kind",
)
# A brief payload's columns, and a full one's.
BRIEF_COLUMNS = ("id", "subject__slug", "metric__slug", *VALUE_COLUMNS)
CLAIM_COLUMNS = (
    *BRIEF_COLUMNS,
    "subject__name",
    "subject__kind",
    "metric__name",
    "as_of_start",
    "as_of_end",
    "as_of_precision",
    "source_id",
    "source__title",
    "source__publisher__name",
    "source__published",
    "source__published_precision",
    "source__reliability",
    "attributed_to__name",
    "quote",
    "status",
    "rank",
    "origin",
    "notes",
    "created_at",
    "updated_at",
)


def _instant(moment) -> str | None:
    """A timestamp as DRF writes it: ISO 8601 in UTC, with Z."""
    if moment is None:
        return None
    text = moment.isoformat()
    return text[:-6] + "Z" if text.endswith("+00:00") else text


def _value(row: dict) -> dict:
    kind = row["metric__value_type"]
    entity = None
    if kind == ValueType.ENTITY and row["entity_value__slug"] is not None:
        entity = {
            "slug": row["entity_value__slug"],
            "name": row["entity_value__name"],
            "kind": row["entity_value__kind"],
        }
    return value_of(row, kind, row["metric__dimension"], row["metric__unit"], entity)


def contradiction_refs(claim_ids) -> dict[int, list[dict]]:
    """Each claim's contradiction references, by claim id, in record order: one query."""
    refs: dict[int, list[dict]] = defaultdict(list)
    if not claim_ids:
        return refs
    records = (
        Contradiction.objects.filter(Q(claim_a_id__in=claim_ids) | Q(claim_b_id__in=claim_ids))
        .order_by("id")
        .values_list("id", "claim_a_id", "claim_b_id", "kind", "status", "severity")
    )
    wanted = set(claim_ids)
    for pk, a, b, kind, status, severity in records:
        for claim, other in ((a, b), (b, a)):
            if claim in wanted:
                refs[claim].append(
                    {
                        "id": pk,
                        "kind": kind,
                        "status": status,
                        "severity": severity,
                        "other_claim": other,
                    }
                )
    return refs


def _subject_and_metric(row: dict) -> dict:
    """The subject and metric references of a claim's or a record's row."""
    return {
        "subject": {
            "slug": row["subject__slug"],
            "name": row["subject__name"],
            "kind": row["subject__kind"],
        },
        "metric": {
            "slug": row["metric__slug"],
            "name": row["metric__name"],
            "unit": row["metric__unit"],
        },
    }


def _disputed(refs: list[dict]) -> bool:
    return any(ref["status"] == ContradictionStatus.OPEN for ref in refs)


def claim_payload(row: dict, refs: list[dict]) -> dict:
    """One claim, as ``ClaimSerializer`` writes it, from a ``CLAIM_COLUMNS`` row."""
    return {
        "id": row["id"],
        **_subject_and_metric(row),
        "value_text": row["value_text"],
        "value": _value(row),
        "as_of": {
            "start": iso_date(row["as_of_start"]),
            "end": iso_date(row["as_of_end"]),
            "precision": row["as_of_precision"],
        },
        "source": {
            "id": row["source_id"],
            "title": row["source__title"],
            "publisher": row["source__publisher__name"],
            "published": iso_date(row["source__published"]),
            "published_precision": row["source__published_precision"],
            "reliability": row["source__reliability"],
        },
        "attributed_to": row["attributed_to__name"],
        "quote": row["quote"],
        "status": row["status"],
        "rank": row["rank"],
        "origin": row["origin"],
        "disputed": _disputed(refs),
        "contradictions": refs,
        "notes": row["notes"],
        "created_at": _instant(row["created_at"]),
        "updated_at": _instant(row["updated_at"]),
    }


def brief_payload(row: dict, refs: list[dict]) -> dict:
    """One claim, as ``ClaimBriefSerializer`` writes it, from a ``BRIEF_COLUMNS`` row."""
    return {
        "id": row["id"],
        "subject": row["subject__slug"],
        "metric": row["metric__slug"],
        "value_text": row["value_text"],
        "value": _value(row),
        "disputed": _disputed(refs),
    }


def claim_payloads(rows: list[dict], *, brief: bool = False) -> list[dict]:
    """Payloads of a page of claim rows, with one query for their contradictions."""
    refs = contradiction_refs([row["id"] for row in rows])
    shape = brief_payload if brief else claim_payload
    return [shape(row, refs.get(row["id"], [])) for row in rows]


def claims_by_id(ids) -> dict[int, dict]:
    """Full payloads of the given claims, by id: two queries whatever their number."""
    rows = list(Claim.objects.filter(pk__in=ids).values(*CLAIM_COLUMNS))
    return {payload["id"]: payload for payload in claim_payloads(rows)}


CONTRADICTION_COLUMNS = (
    "id",
    "kind",
    "severity",
    "status",
    "origin",
    "subject__slug",
    "subject__name",
    "subject__kind",
    "metric__slug",
    "metric__name",
    "metric__unit",
    "claim_a_id",
    "claim_b_id",
    "explanation",
    "resolution_note",
    "preferred_claim_id",
    "resolved_by__username",
    "resolved_at",
    "created_at",
    "updated_at",
)


def contradiction_payloads(rows: list[dict]) -> list[dict]:
    """A page of contradiction rows as ``ContradictionSerializer`` writes them: three queries
    (the records, their claims, the claims' contradictions) whatever the page size."""
    claims = claims_by_id({row[side] for row in rows for side in ("claim_a_id", "claim_b_id")})
    settled = (ContradictionStatus.RESOLVED, ContradictionStatus.DISMISSED)
    return [
        {
            "id": row["id"],
            "kind": row["kind"],
            "severity": row["severity"],
            "status": row["status"],
            "origin": row["origin"],
            **_subject_and_metric(row),
            "claims": [claims[row["claim_a_id"]], claims[row["claim_b_id"]]],
            "explanation": row["explanation"],
            "resolution": {
                "note": row["resolution_note"],
                "preferred_claim": row["preferred_claim_id"],
                "by": row["resolved_by__username"],
                "at": row["resolved_at"].isoformat() if row["resolved_at"] else None,
            }
            if row["status"] in settled
            else None,
            "created_at": _instant(row["created_at"]),
            "updated_at": _instant(row["updated_at"]),
        }
        for row in rows
    ]
