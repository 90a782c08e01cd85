"""Disputes by fact: the contradiction records of one subject+metric read as one disagreement.

The engine keeps one record per pair of claims (DESIGN.md), so one disagreement with five
sources is up to ten records. A reader wants the fact: "Qwen · Latest generation: 4 sources
say Qwen3.5 (best grade B), 1 says Qwen 4.0 (E)". ``disputed_facts`` groups records by
subject+metric and sums up each side from the group's claims that are not rejected, in two
queries whatever the number of facts; the pairs stay available on the fact's page and in
the API's pair records.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, F, Max, Q

from claims.charts import grade_of
from claims.choices import ClaimStatus
from claims.display import value_display
from claims.models import Claim, Contradiction, Entity, Metric
from claims.selectors import claim_queryset
from sources.choices import RELIABILITY_ORDER


@dataclass
class Side:
    """One value the sources of a disputed fact give, with how many sources and the best grade."""

    value: str
    claims: list[Claim] = field(default_factory=list)

    @property
    def source_count(self) -> int:
        return len({claim.source_id for claim in self.claims})

    @property
    def best_grade(self) -> str:
        return min((grade_of(c) for c in self.claims), key=lambda g: RELIABILITY_ORDER.get(g, 9))


@dataclass
class DisputedFact:
    """A subject+metric whose claims disagree: its sides and the pair records behind it."""

    subject: Entity
    metric: Metric
    records: list[Contradiction] = field(default_factory=list)
    sides: list[Side] = field(default_factory=list)

    @property
    def severity(self) -> float | None:
        severities = [r.severity for r in self.records if r.severity is not None]
        return max(severities) if severities else None

    @property
    def worst(self) -> Contradiction:
        """The most severe pair, whose explanation stands for the fact."""
        return self.records[0]

    @property
    def kinds(self) -> list[str]:
        return sorted({record.get_kind_display() for record in self.records})

    @property
    def summary(self) -> str:
        """ "4 sources say Qwen3.5 (best grade B), 1 says Qwen 4.0 (E)"."""
        parts = []
        for index, side in enumerate(self.sides):
            n = side.source_count
            noun = ("source" if n == 1 else "sources") + " " if index == 0 else ""
            verb = "says" if n == 1 else "say"
            grade = f"best grade {side.best_grade}" if len(side.claims) > 1 else side.best_grade
            parts.append(f"{n} {noun}{verb} {side.value} ({grade})")
        return ", ".join(parts)


def fact_keys(records):
    """One row per subject+metric the ``records`` touch, most severe first: a pageable query."""
    return (
        records.order_by()
        .values("subject_id", "metric_id")
        .annotate(worst=Max("severity"), pairs=Count("pk"))
        .order_by(F("worst").desc(nulls_last=True), "subject_id", "metric_id")
    )


def _in_groups(keys, subject="subject_id", metric="metric_id") -> Q:
    groups = Q(pk__in=[])
    for row in keys:
        groups |= Q(**{subject: row["subject_id"], metric: row["metric_id"]})
    return groups


def disputed_facts(records, keys=None) -> list[DisputedFact]:
    """The facts the contradiction ``records`` touch (only ``keys``' if given), most severe first.

    Two queries (records, then the groups' claims) whatever the number of facts.
    """
    if keys is not None:
        records = records.filter(_in_groups(keys))
    records = list(records.select_related("subject", "metric").order_by("-severity", "pk"))
    facts: dict[tuple[int, int], DisputedFact] = {}
    for record in records:
        key = (record.subject_id, record.metric_id)
        if key not in facts:
            facts[key] = DisputedFact(record.subject, record.metric)
        facts[key].records.append(record)
    if not facts:
        return []
    keys = [{"subject_id": s, "metric_id": m} for s, m in facts]
    claims = (
        claim_queryset()
        .filter(_in_groups(keys))
        .exclude(status=ClaimStatus.REJECTED)
        .order_by("pk")
    )
    sides: dict[tuple[int, int], dict[str, Side]] = defaultdict(dict)
    for claim in claims:
        by_value = sides[(claim.subject_id, claim.metric_id)]
        signature = claim.value_signature()
        by_value.setdefault(signature, Side(value_display(claim))).claims.append(claim)
    for key, fact in facts.items():
        fact.sides = sorted(
            sides[key].values(),
            key=lambda s: (-s.source_count, RELIABILITY_ORDER.get(s.best_grade, 9)),
        )
    if keys is not None:
        order = {(row["subject_id"], row["metric_id"]): i for i, row in enumerate(keys)}
        return sorted(facts.values(), key=lambda f: order[(f.subject.pk, f.metric.pk)])
    return list(facts.values())


def fact_records(subject: Entity, metric: Metric):
    """Every pair record of one subject+metric."""
    return Contradiction.objects.filter(subject=subject, metric=metric)
