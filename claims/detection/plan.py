"""Deciding what happens to contradiction records, as a pure function over plain values.

``plan`` takes the rules' findings per group, the claims (their status, rank and value
signature) and the records already stored, and says which records to create, reopen, close
or update. It reads and writes nothing: ``reconcile`` gathers its input and applies its plan.

Curation is remembered here: a dismissed pair stays dismissed while both claims' values are
as they were when it was dismissed; a resolved pair stays resolved while the preferred claim
is still preferred and the other still deprecated.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from claims import conflicts
from claims.choices import ClaimRank, ClaimStatus, ContradictionOrigin, ContradictionStatus

Group = tuple[int, int]  # (subject_id, metric_id)
Pair = tuple[int, int]  # (claim_a_id, claim_b_id)

# What a finding sets on an existing record, in this order.
FOUND_FIELDS = ("subject_id", "metric_id", "kind", "severity", "explanation", "signature", "status")


class ClaimState(Protocol):
    """What the plan reads of a claim."""

    @property
    def status(self) -> str: ...
    @property
    def rank(self) -> str: ...
    def value_signature(self) -> str: ...


class RecordState(Protocol):
    """What the plan reads of a stored contradiction record."""

    @property
    def id(self) -> int: ...
    @property
    def claim_a_id(self) -> int: ...
    @property
    def claim_b_id(self) -> int: ...
    @property
    def subject_id(self) -> int: ...
    @property
    def metric_id(self) -> int: ...
    @property
    def kind(self) -> str: ...
    @property
    def severity(self) -> float: ...
    @property
    def status(self) -> str: ...
    @property
    def origin(self) -> str: ...
    @property
    def explanation(self) -> str: ...
    @property
    def signature(self) -> str: ...
    @property
    def preferred_claim_id(self) -> int | None: ...


@dataclass
class Plan:
    """The record changes that make the stored records match the rules' findings."""

    create: list[dict[str, Any]] = field(default_factory=list)  # new records' values
    update: dict[int, dict[str, Any]] = field(default_factory=dict)  # record id: new fields
    reopened: int = 0
    closed: int = 0
    # The records opened, in the order found: (new?, index in ``create`` or record id).
    opened: list[tuple[bool, int]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.create or self.update)


def _resolution_holds(record: RecordState, claims: Mapping[int, ClaimState]) -> bool:
    preferred_id = record.preferred_claim_id
    if preferred_id is None:
        return False
    other_id = record.claim_b_id if preferred_id == record.claim_a_id else record.claim_a_id
    preferred, other = claims.get(preferred_id), claims.get(other_id)
    return (
        preferred is not None
        and other is not None
        and preferred.rank == ClaimRank.PREFERRED
        and other.rank == ClaimRank.DEPRECATED
    )


def _reopens(record: RecordState, signature: str, claims: Mapping[int, ClaimState]) -> bool:
    """Whether a settled or closed record goes back to open now that the pair conflicts."""
    if record.status == ContradictionStatus.DISMISSED:
        return record.signature != signature
    if record.status == ContradictionStatus.RESOLVED:
        return not _resolution_holds(record, claims)
    return record.status == ContradictionStatus.CLOSED


def _new_record(group: Group, finding: conflicts.Finding, signature: str) -> dict[str, Any]:
    return {
        "claim_a_id": finding.a,
        "claim_b_id": finding.b,
        "subject_id": group[0],
        "metric_id": group[1],
        "kind": finding.kind,
        "severity": finding.severity,
        "explanation": finding.explanation,
        "signature": signature,
        "status": ContradictionStatus.OPEN,
        "origin": ContradictionOrigin.ENGINE,
    }


def _found_fields(
    record: RecordState,
    group: Group,
    finding: conflicts.Finding,
    signature: str,
    claims: Mapping[int, ClaimState],
) -> tuple[Any, ...]:
    """The fields a finding gives its existing record, in ``FOUND_FIELDS`` order."""
    # A dismissed record that stays dismissed already carries this signature.
    status = ContradictionStatus.OPEN if _reopens(record, signature, claims) else record.status
    return (*group, finding.kind, finding.severity, finding.explanation, signature, status)


def _closes(record: RecordState, claims: Mapping[int, ClaimState]) -> bool:
    """Whether an open record that no finding reports any more is closed: an engine's
    always, a manual one only once either claim is gone or rejected."""
    if record.origin != ContradictionOrigin.MANUAL:
        return True
    pair = (claims.get(record.claim_a_id), claims.get(record.claim_b_id))
    return any(c is None or c.status == ClaimStatus.REJECTED for c in pair)


def plan(
    found: Iterable[tuple[Group, conflicts.Finding]],
    *,
    groups: Iterable[Group],
    claims: Mapping[int, ClaimState],
    records: Mapping[Pair, RecordState],
) -> Plan:
    """The changes that make ``records`` match the findings of ``groups``.

    ``found`` are the rules' findings per group; ``claims`` every claim of those groups
    (rejected ones included) by id; ``records`` the stored records of those groups (and of
    any pair found), by pair. Records of other groups are left alone.
    """
    result = Plan()
    signatures: dict[int, str] = {}  # a claim's part is computed once, however many pairs

    def signature_of(claim_id: int) -> str:
        if claim_id not in signatures:
            signatures[claim_id] = claims[claim_id].value_signature()
        return signatures[claim_id]

    seen: set[Pair] = set()
    for group, finding in found:
        pair = (finding.a, finding.b)
        seen.add(pair)
        signature = f"{signature_of(finding.a)}#{signature_of(finding.b)}"
        record = records.get(pair)
        if record is None:
            result.opened.append((True, len(result.create)))
            result.create.append(_new_record(group, finding, signature))
            continue
        new = _found_fields(record, group, finding, signature, claims)
        current = tuple(getattr(record, name) for name in FOUND_FIELDS)
        if new == current:
            continue
        if new[-1] == ContradictionStatus.OPEN and record.status != ContradictionStatus.OPEN:
            result.reopened += 1
            result.opened.append((False, record.id))
        result.update[record.id] = dict(zip(FOUND_FIELDS, new, strict=True))
    wanted = set(groups)
    for pair, record in records.items():
        if pair in seen or record.status != ContradictionStatus.OPEN:
            continue
        if (record.subject_id, record.metric_id) in wanted and _closes(record, claims):
            result.update[record.id] = {"status": ContradictionStatus.CLOSED}
            result.closed += 1
    return result
