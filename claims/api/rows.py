"""Lean list payloads: claims and contradictions read as plain rows, shaped by the serializers.

A list page reads each claim with its subject, metric, source and publisher in one
``values()`` query (only the columns the contract shows), and every contradiction touching
the page's claims in one more: no model instances, no per-field serializer calls. The shape
is the serializers' own field list compiled once (``contract.compile_rows``), so the JSON is
``ClaimSerializer``'s and ``ContradictionSerializer``'s by construction. An entity's fact
sheet is built the same way from its claims' and open records' rows (``entity_fact_rows``),
rendered by ``FactSerializer`` compiled.
"""

from collections import defaultdict

from django.db.models import Q

from claims.api.serializers.catalogue import (
    CurrentClaimSerializer,
    FactSerializer,
    OpenContradictionSerializer,
)
from claims.api.serializers.claims import (
    ClaimSerializer,
    ContradictionSerializer,
    contradiction_ref,
)
from claims.api.serializers.contract import compile_rows
from claims.models import Claim, Contradiction
from claims.selectors import (
    CANDIDATE_COLUMNS,
    claim_count_of,
    current_of,
    disputed_of,
    entity_claims,
    entity_open_records,
    review_annotation,
    row_candidate,
    source_count_of,
)
from qwenkb.prepared import Prepared

CLAIM = compile_rows(ClaimSerializer())
BRIEF = compile_rows(ClaimSerializer(brief=True))
CONTRADICTION = compile_rows(ContradictionSerializer())
# The values() columns of a full payload, of a brief one, and of a contradiction's.
CLAIM_COLUMNS, BRIEF_COLUMNS = CLAIM.columns, BRIEF.columns
CONTRADICTION_COLUMNS = CONTRADICTION.columns


REF_COLUMNS = ("id", "claim_a_id", "claim_b_id", "kind", "status", "review", "severity")
# Compiled once per process and number of claims (qwenkb.prepared): the statements are fixed.
RECORDS_OF_CLAIMS = Prepared(
    Contradiction,
    lambda ids: (
        Contradiction.objects.filter(Q(claim_a_id__in=ids) | Q(claim_b_id__in=ids))
        .order_by("id")
        .annotate(review=review_annotation())
        .values(*REF_COLUMNS)
    ),
    (int,),
)
CLAIMS_BY_ID = Prepared(
    Claim, lambda ids: Claim.objects.filter(pk__in=ids).values(*CLAIM_COLUMNS), (int,)
)


def contradiction_refs(claim_ids) -> dict[int, list[dict]]:
    """Each claim's contradiction references, by claim id, in record order: one query."""
    refs: dict[int, list[dict]] = defaultdict(list)
    if not claim_ids:
        return refs
    wanted = set(claim_ids)
    for row in RECORDS_OF_CLAIMS.rows(sorted(wanted)):
        record = tuple(row[name] for name in REF_COLUMNS)
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
    rows = CLAIMS_BY_ID.rows(sorted(set(ids))) if ids else []
    return {payload["id"]: payload for payload in claim_payloads(rows)}


def contradiction_payloads(rows: list[dict]) -> list[dict]:
    """A page of contradiction rows as ``ContradictionSerializer`` writes them: three queries
    (the records, their claims, the claims' contradictions) whatever the page size."""
    claims = claims_by_id({row[side] for row in rows for side in ("claim_a_id", "claim_b_id")})
    related = {"claims": lambda row: (claims[row["claim_a_id"]], claims[row["claim_b_id"]])}
    return [CONTRADICTION(row, related) for row in rows]


# An entity's fact sheet (``claims.selectors.entity_facts``, as rows): FactSerializer compiled,
# its claims and open records read as rows of what it shows and what the rules look at.
FACT = compile_rows(FactSerializer())
_FACT_METRIC = tuple(column for column in FACT.columns if column.startswith("metric__"))
_FACT_CLAIM_COLUMNS = tuple(
    dict.fromkeys(
        (
            *compile_rows(CurrentClaimSerializer()).columns,
            *CANDIDATE_COLUMNS.values(),
            *_FACT_METRIC,
            "metric_id",
            "metric__time_varying",
            "source_id",
        )
    )
)
_FACT_RECORD_COLUMNS = (*compile_rows(OpenContradictionSerializer()).columns, "metric_id")
FACT_CLAIMS = Prepared(
    Claim, lambda entity_id: entity_claims(entity_id).values(*_FACT_CLAIM_COLUMNS), int
)
FACT_RECORDS = Prepared(
    Contradiction,
    lambda entity_id: entity_open_records(entity_id).values(*_FACT_RECORD_COLUMNS),
    int,
)


def entity_fact_rows(entity_id: int) -> list[dict]:
    """An entity's fact sheet as rows for ``FACT``, one per metric by name: two queries, the
    rules of ``entity_facts`` (current value, counts, disputed) applied to plain rows."""
    groups: dict[int, list[dict]] = defaultdict(list)
    for claim in FACT_CLAIMS.rows(entity_id):
        groups[claim["metric_id"]].append(claim)
    opened: dict[int, list[dict]] = defaultdict(list)
    for record in FACT_RECORDS.rows(entity_id):
        opened[record["metric_id"]].append(record)
    facts = []
    for metric_id, members in groups.items():
        first = members[0]
        current, candidate, why = current_of(
            members, row_candidate, time_varying=first["metric__time_varying"]
        )
        records = opened.get(metric_id, [])
        facts.append(
            {
                **{column: first[column] for column in _FACT_METRIC},
                "current": current,
                "grade": candidate.grade if candidate is not None else None,
                "why": why,
                "claim_count": claim_count_of(claim["status"] for claim in members),
                "source_count": source_count_of((c["source_id"], c["status"]) for c in members),
                "disputed": disputed_of(record["review"] for record in records),
                "open_contradictions": records,
            }
        )
    return sorted(facts, key=lambda fact: fact["metric__name"])
