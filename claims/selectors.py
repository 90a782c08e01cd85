"""Reads of the claims domain, with the joins each reader needs done up front."""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Exists, OuterRef, Q, QuerySet, Value

from claims.choices import ClaimRank, ClaimStatus, ContradictionStatus
from claims.display import value_display
from claims.models import Claim, Contradiction, Entity, EntityAlias, Metric
from claims.models.entities import lookup_key
from sources.choices import RELIABILITY_ORDER


def entity_resolve(text: str) -> Entity | None:
    """The entity whose slug, name or alias is ``text`` (ignoring case, spaces and hyphens)."""
    text = (text or "").strip()
    if not text:
        return None
    key = lookup_key(Value(text))
    entity = Entity.objects.filter(Q(slug=text) | Q(key=key)).first()
    if entity is None:
        alias = EntityAlias.objects.select_related("entity").filter(key=key).first()
        entity = alias.entity if alias else None
    return entity


def entity_descendant_ids(entity: Entity) -> list[int]:
    """Ids of the entity and everything below it, one query per level of the tree."""
    ids, frontier = [entity.pk], [entity.pk]
    while frontier:
        frontier = list(Entity.objects.filter(parent_id__in=frontier).values_list("pk", flat=True))
        frontier = [pk for pk in frontier if pk not in ids]
        ids.extend(frontier)
    return ids


def open_contradiction_exists() -> Exists:
    """An expression: does the claim take part in an open contradiction?"""
    return Exists(
        Contradiction.objects.filter(
            Q(claim_a=OuterRef("pk")) | Q(claim_b=OuterRef("pk")),
            status=ContradictionStatus.OPEN,
        )
    )


def claim_queryset() -> QuerySet[Claim]:
    """Claims with everything a listing shows joined in (not the sources' full texts)."""
    return Claim.objects.select_related(
        "subject", "metric", "source__publisher", "attributed_to", "entity_value"
    ).defer("source__text")


def contradictions_for_claims(claim_ids) -> QuerySet[Contradiction]:
    """Contradiction records touching any of the given claims."""
    return Contradiction.objects.filter(Q(claim_a_id__in=claim_ids) | Q(claim_b_id__in=claim_ids))


@dataclass
class Fact:
    """The state of one subject+metric group: its current value and whether it is disputed."""

    subject: Entity
    metric: Metric
    current: Claim | None
    claims: list[Claim] = field(default_factory=list)
    open_contradictions: list[Contradiction] = field(default_factory=list)

    @property
    def disputed(self) -> bool:
        """An open contradiction or discrepancy touches the group."""
        return bool(self.open_contradictions)

    @property
    def claim_count(self) -> int:
        """Claims in the group, rejected ones excluded."""
        return sum(1 for claim in self.claims if claim.status != ClaimStatus.REJECTED)

    @property
    def source_count(self) -> int:
        """Distinct sources of the group's claims, rejected ones excluded."""
        return len({c.source_id for c in self.claims if c.status != ClaimStatus.REJECTED})

    @property
    def supporting_sources(self) -> int:
        """Sources whose claims agree with the current value (same value as read)."""
        if self.current is None:
            return 0
        signature = self.current.value_signature()
        return len(
            {
                c.source_id
                for c in self.claims
                if c.status != ClaimStatus.REJECTED and c.value_signature() == signature
            }
        )


def _current_key(claim: Claim, time_varying: bool) -> tuple:
    """Sort key: the best candidate for current value sorts first."""
    reliability = RELIABILITY_ORDER.get(claim.source.reliability, len(RELIABILITY_ORDER))
    as_of = claim.as_of_end or claim.as_of_start or datetime.date.min
    later = -as_of.toordinal()
    if time_varying:
        return (later, reliability, -claim.pk)
    return (reliability, later, -claim.pk)


def current_claim(claims: list[Claim], metric: Metric) -> Claim | None:
    """The current value among a group's claims (DESIGN.md, "current value").

    The preferred claim if there is one; otherwise the accepted claim from the most reliable
    source, or for a time-varying metric the accepted claim with the latest as-of.
    """
    live = [c for c in claims if c.status != ClaimStatus.REJECTED]
    preferred = [c for c in live if c.rank == ClaimRank.PREFERRED]
    if preferred:
        return min(preferred, key=lambda c: _current_key(c, metric.time_varying))
    accepted = [
        c for c in live if c.status == ClaimStatus.ACCEPTED and c.rank != ClaimRank.DEPRECATED
    ]
    if not accepted:
        return None
    return min(accepted, key=lambda c: _current_key(c, metric.time_varying))


def _facts(claims: list[Claim], records: list[Contradiction]) -> list[Fact]:
    groups: dict[tuple[int, int], list[Claim]] = defaultdict(list)
    for claim in claims:
        groups[(claim.subject_id, claim.metric_id)].append(claim)
    open_by_group: dict[tuple[int, int], list[Contradiction]] = defaultdict(list)
    for record in records:
        open_by_group[(record.subject_id, record.metric_id)].append(record)
    facts = []
    for key, members in groups.items():
        metric, subject = members[0].metric, members[0].subject
        facts.append(
            Fact(
                subject=subject,
                metric=metric,
                current=current_claim(members, metric),
                claims=members,
                open_contradictions=open_by_group.get(key, []),
            )
        )
    return facts


def entity_facts(entity: Entity) -> list[Fact]:
    """An entity's fact sheet: one Fact per metric, in two queries whatever its size."""
    claims = list(claim_queryset().filter(subject=entity).order_by("metric__name", "pk"))
    records = list(
        Contradiction.objects.filter(subject=entity, status=ContradictionStatus.OPEN).order_by(
            "-severity"
        )
    )
    return sorted(_facts(claims, records), key=lambda fact: fact.metric.name)


def metric_facts(metric: Metric, *, subject_ids=None) -> list[Fact]:
    """The current value of ``metric`` for every entity that has one (two queries)."""
    claims = claim_queryset().filter(metric=metric)
    records = Contradiction.objects.filter(metric=metric, status=ContradictionStatus.OPEN)
    if subject_ids is not None:
        claims = claims.filter(subject_id__in=subject_ids)
        records = records.filter(subject_id__in=subject_ids)
    facts = _facts(list(claims.order_by("pk")), list(records.order_by("-severity")))
    return sorted(facts, key=lambda fact: fact.subject.name)


# How the metric page and its JSON twin may order a metric's values.
VALUE_ORDERINGS = ("name", "value", "-value")


def _value_order(claim: Claim) -> tuple:
    """Sort key of a current value: figures by number within a currency, dates by day, else
    the value as shown."""
    figures = [v for v in (claim.point, claim.low, claim.high) if v is not None]
    if figures:
        return (claim.currency, figures[0], "")
    if claim.date_start is not None:
        return ("", claim.date_start.toordinal(), "")
    return ("", 0, value_display(claim).casefold())


def metric_values(metric: Metric, *, subject_ids=None, ordering: str = "name") -> list[Fact]:
    """Every entity's fact for ``metric``, by entity name or by current value (``value`` or
    ``-value``); facts without a current value come last either way."""
    if ordering not in VALUE_ORDERINGS:
        raise ValueError(f"ordering must be one of {', '.join(VALUE_ORDERINGS)}")
    facts = metric_facts(metric, subject_ids=subject_ids)
    if ordering == "name":
        return facts
    valued = sorted(
        ((_value_order(f.current), f) for f in facts if f.current is not None),
        key=lambda pair: pair[0],
    )
    known = [f for _, f in valued]
    if ordering == "-value":
        known.reverse()
    return known + [f for f in facts if f.current is None]
