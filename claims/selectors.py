"""Reads of the claims domain, with the joins each reader needs done up front."""

from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import TypeVar

from django.db import connections
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    OuterRef,
    Q,
    QuerySet,
    Value,
    When,
    Window,
)
from django.db.models.functions import Rank

from claims.choices import ClaimStatus, ContradictionReview, ContradictionStatus
from claims.current import Candidate, choose_current
from claims.display import value_display
from claims.models import Claim, Contradiction, Entity, EntityAlias, Metric
from claims.models.entities import lookup_key
from qwenkb.prepared import Prepared, first_row, instance

T = TypeVar("T")

# Compiled once per process (qwenkb.prepared): an entity by slug or by the key of its name.
ENTITY_BY_SLUG_OR_KEY = Prepared(
    Entity,
    lambda text: first_row(Entity.objects.filter(Q(slug=text) | Q(key=lookup_key(Value(text))))),
    str,
)


def entity_resolve(text: str) -> Entity | None:
    """The entity whose slug, name or alias is ``text`` (ignoring case, spaces and hyphens)."""
    text = (text or "").strip()
    if not text:
        return None
    found = ENTITY_BY_SLUG_OR_KEY.rows(text)
    entity = instance(Entity, found[0]) if found else None
    if entity is None:
        key = lookup_key(Value(text))
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


def _proposed(side: str) -> Exists:
    """The contradiction's claim on ``side`` ("claim_a_id", "claim_b_id") is proposed: a
    look-up of the claim by its id among the proposed ones, which the index on status and id
    answers alone. Joining both claims of every contradiction instead, PostgreSQL hashed the
    whole claims table twice for each list of disputes at a million claims (0.35 s a
    statement, against 0.1 s)."""
    return Exists(Claim.objects.filter(status=ClaimStatus.PROPOSED, pk=OuterRef(side)))


def _pending() -> Q:
    return Q(_proposed("claim_a_id")) | Q(_proposed("claim_b_id"))


def review_annotation() -> Case:
    """An expression: "pending" while either claim of the contradiction is proposed, else
    "confirmed" (DESIGN.md, "Proposed claims and pending conflicts")."""
    return Case(
        When(_pending(), then=Value(ContradictionReview.PENDING)),
        default=Value(ContradictionReview.CONFIRMED),
        output_field=CharField(),
    )


def contradiction_review(record: Contradiction) -> str:
    """A contradiction's review: the annotation when the query made it, else from its claims."""
    review = getattr(record, "review", None)
    if review is not None:
        return review
    return review_of(record.claim_a.status, record.claim_b.status)


def review_of(status_a: str, status_b: str) -> str:
    """A contradiction's review from its two claims' statuses: pending while one is proposed."""
    if ClaimStatus.PROPOSED in (status_a, status_b):
        return ContradictionReview.PENDING
    return ContradictionReview.CONFIRMED


def review_filter(review: str) -> Q:
    """Contradictions whose review is ``review`` (pending or confirmed)."""
    if review == ContradictionReview.PENDING:
        return _pending()
    # Neither claim proposed, said as two NOT EXISTS so that PostgreSQL plans each as an
    # anti-join (``NOT (a OR b)`` it tests row by row against two hashed sets: 0.24 s, not 0.1).
    return ~Q(_proposed("claim_a_id")) & ~Q(_proposed("claim_b_id"))


def contradictions_for_claims(claim_ids) -> QuerySet[Contradiction]:
    """Contradiction records touching any of the given claims."""
    return Contradiction.objects.filter(Q(claim_a_id__in=claim_ids) | Q(claim_b_id__in=claim_ids))


def disputed_of(reviews: Iterable[str]) -> bool:
    """A group is disputed when one of its open contradictions is confirmed (between two
    accepted claims); a pending one (a proposed claim in it) is for editors only."""
    return any(review == ContradictionReview.CONFIRMED for review in reviews)


# The claims researchers count and read: all but the rejected ones (``claim_count_of``).
LIVE = ~Q(status=ClaimStatus.REJECTED)


# Counts over every claim, for lists whose every row shows one. At a million claims a
# ``Count`` over a join (``Metric.objects.annotate(n=Count("claims"))``) joins every claim to
# its row before grouping, and a distinct count sorts them all; grouping the claims by their
# own column first and joining the few groups after costs one pass over the claims.


def live_claim_counts(by: str, among: Iterable[object] | None = None) -> dict[object, int]:
    """How many live claims each value of ``by`` has (a claim's field, or a path along its
    foreign keys: ``"subject"``, ``"source__publisher"``), those values ``among`` only if
    given, in one grouped query."""
    claims = Claim.objects.filter(LIVE)
    if among is not None:
        claims = claims.filter(**{f"{by}__in": list(among)})
    rows = claims.order_by().values_list(by).annotate(n=Count("pk"))
    return dict(rows.values_list(by, "n"))


def busiest_entity() -> Entity | None:
    """The entity with the most live claims, the first by name among equals (None if no
    entity has one), in one statement: the claims grouped by subject alone, the subjects
    ranked by their count, the names of those ranked first."""
    ranked = (
        Claim.objects.filter(LIVE)
        .order_by()
        .values("subject")
        .annotate(n=Count("pk"), rank=Window(Rank(), order_by=F("n").desc()))
        .filter(rank=1)
    )
    return Entity.objects.filter(pk__in=ranked.values("subject")).order_by("name").first()


def metric_counts(among: Iterable[int] | None = None) -> dict[int, tuple[int, int]]:
    """For each metric with live claims (of those ``among`` only, if given): how many, and
    about how many entities, in one query: the claims grouped by metric and subject, those
    groups then by metric."""
    claims = Claim.objects.filter(LIVE)
    if among is not None:
        among = list(among)
        if not among:
            return {}
        claims = claims.filter(metric__in=among)
    pairs = claims.order_by().values("metric_id", "subject_id").annotate(n=Count("pk"))
    sql, params = pairs.query.sql_with_params()
    with connections[pairs.db].cursor() as cursor:
        cursor.execute(
            f"SELECT metric_id, SUM(n), COUNT(*) FROM ({sql}) pairs GROUP BY metric_id", params
        )
        return {metric: (int(claims), entities) for metric, claims, entities in cursor}


def claim_count_of(statuses: Iterable[str]) -> int:
    """A group's claims are counted without the rejected ones."""
    return sum(1 for status in statuses if status != ClaimStatus.REJECTED)


def source_count_of(sources: Iterable[tuple[int, str]]) -> int:
    """Distinct sources among (source id, claim status) pairs, rejected claims excluded."""
    return len({source for source, status in sources if status != ClaimStatus.REJECTED})


@dataclass
class Fact:
    """The state of one subject+metric group: its current value and whether it is disputed."""

    subject: Entity
    metric: Metric
    current: Claim | None
    why: str = ""
    claims: list[Claim] = field(default_factory=list)
    open_contradictions: list[Contradiction] = field(default_factory=list)

    @property
    def grade(self) -> str | None:
        """The reliability grade of the current value's source."""
        return self.current.source.reliability if self.current is not None else None

    @property
    def disputed(self) -> bool:
        """An open contradiction between two accepted claims touches the group (``disputed_of``)."""
        return disputed_of(map(contradiction_review, self.open_contradictions))

    @property
    def claim_count(self) -> int:
        """Claims in the group, rejected ones excluded (``claim_count_of``)."""
        return claim_count_of(claim.status for claim in self.claims)

    @property
    def source_count(self) -> int:
        """Distinct sources of the group's claims, rejected ones excluded."""
        return source_count_of((claim.source_id, claim.status) for claim in self.claims)

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


# What choosing the current value looks at (``claims.current.Candidate``), as ORM paths.
CANDIDATE_COLUMNS = {
    "id": "id",
    "status": "status",
    "rank": "rank",
    "grade": "source__reliability",
    "as_of_start": "as_of_start",
    "as_of_end": "as_of_end",
    "as_of_precision": "as_of_precision",
    "published": "source__published",
}
_OF_CLAIM = attrgetter(*(path.replace("__", ".") for path in CANDIDATE_COLUMNS.values()))


def current_candidate(claim: Claim) -> Candidate:
    """The plain values of a claim that choosing the current value looks at."""
    return Candidate(*_OF_CLAIM(claim))


def row_candidate(row: dict) -> Candidate:
    """The same, from a ``values()`` row of ``CANDIDATE_COLUMNS``."""
    return Candidate(*(row[path] for path in CANDIDATE_COLUMNS.values()))


def current_of(members: Sequence[T], candidate: Callable[[T], Candidate], *, time_varying: bool):
    """The current value among a group's members (claims or rows) and why (``claims.current``),
    with the member's candidate: ``(member, candidate, why)``, or ``(None, None, "")``."""
    candidates = [candidate(member) for member in members]
    choice = choose_current(candidates, time_varying=time_varying)
    if choice is None:
        return None, None, ""
    position = next(i for i, c in enumerate(candidates) if c.id == choice.id)
    return members[position], candidates[position], choice.why


def current_claim(claims: list[Claim], metric: Metric) -> tuple[Claim | None, str]:
    """The current value among a group's claims and why (``claims.current``)."""
    claim, _, why = current_of(claims, current_candidate, time_varying=metric.time_varying)
    return claim, why


def _facts(claims: list[Claim], records: Sequence[Contradiction]) -> list[Fact]:
    groups: dict[tuple[int, int], list[Claim]] = defaultdict(list)
    for claim in claims:
        groups[(claim.subject_id, claim.metric_id)].append(claim)
    open_by_group: dict[tuple[int, int], list[Contradiction]] = defaultdict(list)
    for record in records:
        open_by_group[(record.subject_id, record.metric_id)].append(record)
    facts = []
    for key, members in groups.items():
        metric, subject = members[0].metric, members[0].subject
        current, why = current_claim(members, metric)
        facts.append(
            Fact(
                subject=subject,
                metric=metric,
                current=current,
                why=why,
                claims=members,
                open_contradictions=open_by_group.get(key, []),
            )
        )
    return facts


def entity_claims(entity_id: int) -> QuerySet[Claim]:
    """An entity's claims as its fact sheet lists them: by metric name, then as recorded."""
    return claim_queryset().filter(subject_id=entity_id).order_by("metric__name", "pk")


def entity_open_records(entity_id: int) -> QuerySet[Contradiction]:
    """An entity's open contradiction records, most severe first, with their review state."""
    return (
        Contradiction.objects.filter(subject_id=entity_id, status=ContradictionStatus.OPEN)
        .annotate(review=review_annotation())
        .order_by("-severity", "id")
    )


# The same, compiled once per process (qwenkb.prepared); the API's rows read their values.
ENTITY_CLAIMS = Prepared(Claim, entity_claims, int)
ENTITY_OPEN_RECORDS = Prepared(Contradiction, entity_open_records, int)


def entity_facts(entity: Entity) -> list[Fact]:
    """An entity's fact sheet: one Fact per metric, in two queries whatever its size."""
    claims = ENTITY_CLAIMS.objects(entity.pk)
    records = ENTITY_OPEN_RECORDS.objects(entity.pk)
    return sorted(_facts(claims, records), key=lambda fact: fact.metric.name)


def metric_facts(metric: Metric, *, subject_ids=None) -> list[Fact]:
    """The current value of ``metric`` for every entity that has one (two queries)."""
    claims = claim_queryset().filter(metric=metric)
    records = Contradiction.objects.filter(metric=metric, status=ContradictionStatus.OPEN).annotate(
        review=review_annotation()
    )
    if subject_ids is not None:
        claims = claims.filter(subject_id__in=subject_ids)
        records = records.filter(subject_id__in=subject_ids)
    facts = _facts(list(claims.order_by("pk")), list(records.order_by("-severity")))
    return sorted(facts, key=lambda fact: fact.subject.name)


# How the metric page and its JSON twin may order a metric's values.
VALUE_ORDERINGS = ("name", "value", "-value")


def figure_order(point, low, high, currency, date_start) -> tuple | None:
    """Sort key of a value by its figure within a currency, or its day; None for neither."""
    figures = [v for v in (point, low, high) if v is not None]
    if figures:
        return (currency, figures[0], "")
    if date_start is not None:
        return ("", date_start.toordinal(), "")
    return None


_ORDER_COLUMNS = ("point", "low", "high", "currency", "date_start")


def metric_value_order(
    metric: Metric, *, subject_ids=None, ordering: str = "name", current_only: bool = False
) -> list[int]:
    """The entities of ``metric``'s facts in the order asked: by name, or by current value
    (``value``, ``-value``) with the facts that have none last; only those that have one if
    ``current_only``. Chosen from plain rows of the metric's claims (``row_candidate``, the
    same rule as ``metric_facts``), no claim built but the current values whose order is
    their words (text and entity values): at 10,000 entities and 43,000 claims, building
    every fact took 12 s."""
    if ordering not in VALUE_ORDERINGS:
        raise ValueError(f"ordering must be one of {', '.join(VALUE_ORDERINGS)}")
    claims = Claim.objects.filter(metric=metric)
    if subject_ids is not None:
        claims = claims.filter(subject_id__in=subject_ids)
    columns = ("subject_id", "subject__name", *CANDIDATE_COLUMNS.values(), *_ORDER_COLUMNS)
    groups: dict[int, list[dict]] = defaultdict(list)
    for row in claims.order_by("pk").values(*columns):
        groups[row["subject_id"]].append(row)
    current = {}
    for subject, members in groups.items():
        row, _, _ = current_of(members, row_candidate, time_varying=metric.time_varying)
        current[subject] = row
    by_name = sorted(groups, key=lambda subject: groups[subject][0]["subject__name"])
    without = [subject for subject in by_name if current[subject] is None]
    with_value = [subject for subject in by_name if current[subject] is not None]
    if ordering == "name":
        return with_value if current_only else by_name
    figures = {
        subject: figure_order(*(current[subject][c] for c in _ORDER_COLUMNS))
        for subject in with_value
    }
    worded = [current[subject]["id"] for subject, key in figures.items() if key is None]
    words = {
        claim.pk: ("", 0, value_display(claim).casefold())
        for claim in (claim_queryset().filter(pk__in=worded) if worded else ())
    }
    keys: dict[int, tuple] = {
        subject: key or words[current[subject]["id"]] for subject, key in figures.items()
    }
    known = sorted(with_value, key=keys.__getitem__)
    if ordering == "-value":
        known.reverse()
    return known if current_only else known + without


class MetricValues(Sequence):
    """A metric's facts in the order of ``subject_ids``, each built (its claims and open
    contradictions read, ``metric_facts``) only when a slice of them is asked for: a page of
    a metric about 10,000 entities reads that page's claims."""

    def __init__(self, metric: Metric, subject_ids: list[int]):
        self.metric, self.subject_ids = metric, subject_ids

    def __len__(self) -> int:
        return len(self.subject_ids)

    def __iter__(self):
        return iter(self[:])  # every fact, built together

    def __getitem__(self, index):
        if isinstance(index, slice):
            ids = self.subject_ids[index]
            if not ids:
                return []
            built = {fact.subject.pk: fact for fact in metric_facts(self.metric, subject_ids=ids)}
            return [built[subject] for subject in ids]
        position = range(len(self))[index]  # IndexError past either end
        return self[position : position + 1][0]


def metric_values(
    metric: Metric, *, subject_ids=None, ordering: str = "name", current_only: bool = False
) -> MetricValues:
    """Every entity's fact for ``metric`` (only those with a current value if
    ``current_only``), by entity name or by current value (``value`` or ``-value``); facts
    without a current value come last either way. Built a slice at a time."""
    order = metric_value_order(
        metric, subject_ids=subject_ids, ordering=ordering, current_only=current_only
    )
    return MetricValues(metric, order)
