"""Lean list payloads: claims and contradictions read as plain rows, shaped by the serializers.

A list page reads each claim with its subject, metric, source and publisher in one
``values()`` query (only the columns the contract shows), and every contradiction touching
the page's claims in one more: no model instances, no per-field serializer calls. The shape
is the serializers' own field list compiled once (``contract.compile_rows``), so the JSON is
``ClaimSerializer``'s and ``ContradictionSerializer``'s by construction.
"""

from collections import defaultdict

from django.db.models import Q

from claims.api.serializers.claims import (
    ClaimSerializer,
    ContradictionSerializer,
    contradiction_ref,
)
from claims.api.serializers.contract import compile_rows
from claims.models import Claim, Contradiction

CLAIM = compile_rows(ClaimSerializer())
BRIEF = compile_rows(ClaimSerializer(brief=True))
CONTRADICTION = compile_rows(ContradictionSerializer())
# The values() columns of a full payload, of a brief one, and of a contradiction's.
CLAIM_COLUMNS, BRIEF_COLUMNS = CLAIM.columns, BRIEF.columns
CONTRADICTION_COLUMNS = CONTRADICTION.columns


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
    for record in records:
        for claim in record[1:3]:
            if claim in wanted:
                refs[claim].append(contradiction_ref(claim, *record))
    return refs


def claim_payloads(rows: list[dict], *, brief: bool = False) -> list[dict]:
    """Payloads of a page of claim rows, with one query for their contradictions."""
    refs = contradiction_refs([row["id"] for row in rows])
    related = {"contradictions": lambda row: refs.get(row["id"], [])}
    shape = BRIEF if brief else CLAIM
    return [shape(row, related) for row in rows]


def claims_by_id(ids) -> dict[int, dict]:
    """Full payloads of the given claims, by id: two queries whatever their number."""
    rows = list(Claim.objects.filter(pk__in=ids).values(*CLAIM_COLUMNS))
    return {payload["id"]: payload for payload in claim_payloads(rows)}


def contradiction_payloads(rows: list[dict]) -> list[dict]:
    """A page of contradiction rows as ``ContradictionSerializer`` writes them: three queries
    (the records, their claims, the claims' contradictions) whatever the page size."""
    claims = claims_by_id({row[side] for row in rows for side in ("claim_a_id", "claim_b_id")})
    related = {"claims": lambda row: (claims[row["claim_a_id"]], claims[row["claim_b_id"]])}
    return [CONTRADICTION(row, related) for row in rows]
