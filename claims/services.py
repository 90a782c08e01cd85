"""Writes of the claims domain: every path (admin, API, fixtures, commands) comes through here.

Each service takes keyword-only arguments, validates everything before it writes, raises
``django.core.exceptions.ValidationError`` keyed by the field at fault, runs in one
transaction, records who did it (and why) in the history, and re-checks the touched
subject+metric groups for contradictions before it returns.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from claims import detection
from claims.choices import ClaimRank, ClaimStatus, ContradictionStatus
from claims.models import Claim, Contradiction, Entity, EntityAlias, Metric
from claims.models.entities import name_key
from claims.reading import read_period, read_value
from claims.selectors import entity_resolve
from qwenkb.history import stamp
from sources.choices import DatePrecision
from sources.models import Publisher, Source
from sources.periods import period_end

CLAIM_INPUT_FIELDS = (
    "subject",
    "metric",
    "source",
    "value_text",
    "quote",
    "attributed_to",
    "as_of",
    "status",
    "rank",
    "notes",
)


@dataclass(frozen=True)
class ClaimWrite:
    """The outcome of a claim write: the claim and the contradictions the write opened."""

    claim: Claim
    opened: list[Contradiction]


def _choice(value, choices, field: str, label: str) -> str:
    if value not in choices.values:
        allowed = ", ".join(choices.values)
        raise ValidationError(
            {field: f"{label} must be one of {allowed}; got \u201c{value}\u201d."}
        )
    return value


def claim_prepare(
    *,
    subject: Entity | None,
    metric: Metric | None,
    source: Source | None,
    value_text: str,
    quote: str,
    attributed_to: Publisher | None = None,
    as_of: str | tuple | None = None,
    status: str = ClaimStatus.PROPOSED,
    rank: str = ClaimRank.NORMAL,
    notes: str = "",
) -> dict:
    """Validate a claim's input and return the model field values to store.

    ``as_of`` is a period as written ("March 22–28, 2026"), a (start, end, precision) tuple,
    or None for the source's own date. Every problem found is reported, each under its field.
    """
    errors: dict[str, list[str]] = {}
    for field, value, what in (
        ("subject", subject, "the entity the claim is about"),
        ("metric", metric, "what is claimed"),
        ("source", source, "the source that states it"),
    ):
        if value is None:
            errors.setdefault(field, []).append(f"Choose {what}.")
    quote = quote or ""
    if not quote.strip():
        errors.setdefault("quote", []).append("Give the exact words of the source.")
    fields: dict = {
        "subject": subject,
        "metric": metric,
        "source": source,
        "value_text": (value_text or "").strip(),
        "quote": quote,
        "attributed_to": attributed_to,
        "notes": notes or "",
        "quote_offset": None,
    }
    for field, value, choices, label in (
        ("status", status, ClaimStatus, "Status"),
        ("rank", rank, ClaimRank, "Rank"),
    ):
        try:
            fields[field] = _choice(value, choices, field, label)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.message_dict[field])
    if source is not None and quote.strip() and source.text:
        offset = source.text.find(quote)
        if offset < 0:
            errors.setdefault("quote", []).append(
                f"The quote is not found verbatim in the text of \u201c{source.title}\u201d; "
                "copy it exactly, character for character."
            )
        fields["quote_offset"] = max(offset, 0) if offset >= 0 else None
    context = source.published if source is not None else None
    if metric is not None:
        try:
            fields |= read_value(
                metric=metric, value_text=value_text, context=context, resolve_entity=entity_resolve
            )
        except ValidationError as exc:
            for field, messages in exc.message_dict.items():
                errors.setdefault(field, []).extend(messages)
    try:
        fields |= _as_of_fields(as_of, source)
    except ValidationError as exc:
        errors.setdefault("as_of", []).extend(exc.message_dict["as_of"])
    if errors:
        raise ValidationError(errors)
    return fields


def _as_of_fields(as_of, source: Source | None) -> dict:
    if isinstance(as_of, str) and as_of.strip():
        context = source.published if source is not None else None
        start, end, precision = read_period(as_of.strip(), context=context)
    elif isinstance(as_of, tuple):
        start, end, precision = as_of
        if start is not None and end is not None and end < start:
            raise ValidationError({"as_of": "The as-of period cannot end before it starts."})
    elif source is not None and source.published is not None:
        start, precision = source.published, source.published_precision
        end = period_end(start, precision)
    else:
        start, end, precision = None, None, DatePrecision.UNKNOWN
    return {"as_of_start": start, "as_of_end": end, "as_of_precision": precision}


@transaction.atomic
def claim_create(*, user=None, reason: str = "", **values) -> ClaimWrite:
    """Create a claim from its value as written; returns it with the contradictions it opened."""
    fields = claim_prepare(**values)
    claim = Claim(**fields, added_by=user if user is not None and user.is_authenticated else None)
    if claim.status != ClaimStatus.PROPOSED and claim.added_by is not None:
        claim.reviewed_by, claim.reviewed_at = claim.added_by, timezone.now()
    claim.full_clean(validate_constraints=False)
    stamp(claim, user=user, reason=reason)
    claim.save()
    opened = detection.group_detect(subject_id=claim.subject_id, metric_id=claim.metric_id)
    return ClaimWrite(claim, [c for c in opened if claim.pk in (c.claim_a_id, c.claim_b_id)])


def claim_inputs(claim: Claim) -> dict:
    """The input form of a stored claim, as ``claim_prepare`` takes it."""
    return {
        "subject": claim.subject,
        "metric": claim.metric,
        "source": claim.source,
        "value_text": claim.value_text,
        "quote": claim.quote,
        "attributed_to": claim.attributed_to,
        "as_of": (claim.as_of_start, claim.as_of_end, claim.as_of_precision),
        "status": claim.status,
        "rank": claim.rank,
        "notes": claim.notes,
    }


@transaction.atomic
def claim_update(*, claim: Claim, user=None, reason: str = "", **changes) -> ClaimWrite:
    """Change a claim; the value is read again and both old and new groups are re-checked."""
    unknown = set(changes) - set(CLAIM_INPUT_FIELDS)
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in unknown})
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    old_group = (claim.subject_id, claim.metric_id)
    inputs = claim_inputs(claim) | changes
    fields = claim_prepare(**inputs)
    changed = {name: value for name, value in fields.items() if getattr(claim, name) != value}
    if not changed:
        return ClaimWrite(claim, [])
    for name, value in changed.items():
        setattr(claim, name, value)
    if "status" in changed and user is not None and user.is_authenticated:
        claim.reviewed_by, claim.reviewed_at = user, timezone.now()
    claim.full_clean(validate_constraints=False)
    stamp(claim, user=user, reason=reason)
    claim.save()
    groups = {old_group, (claim.subject_id, claim.metric_id)}
    opened = []
    for subject_id, metric_id in sorted(groups):
        opened += detection.group_detect(subject_id=subject_id, metric_id=metric_id)
    return ClaimWrite(claim, [c for c in opened if claim.pk in (c.claim_a_id, c.claim_b_id)])


def claim_accept(*, claim: Claim, user=None, reason: str = "") -> ClaimWrite:
    """Accept a claim after review."""
    return claim_update(claim=claim, user=user, reason=reason, status=ClaimStatus.ACCEPTED)


def claim_reject(*, claim: Claim, user=None, reason: str = "") -> ClaimWrite:
    """Reject a claim; the contradictions it was in close."""
    return claim_update(claim=claim, user=user, reason=reason, status=ClaimStatus.REJECTED)


@transaction.atomic
def claim_prefer(*, claim: Claim, user=None, reason: str = "") -> Claim:
    """Make a claim the preferred one of its subject+metric; a previous preferred one turns normal.

    Only accepted claims can be preferred: a preferred claim is the current value.
    """
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ClaimStatus.ACCEPTED:
        raise ValidationError({"rank": "Only an accepted claim can be preferred; accept it first."})
    others = Claim.objects.filter(
        subject_id=claim.subject_id, metric_id=claim.metric_id, rank=ClaimRank.PREFERRED
    ).exclude(pk=claim.pk)
    for other in others:
        other.rank = ClaimRank.NORMAL
        stamp(other, user=user, reason=reason or f"Claim {claim.pk} was preferred instead.")
        other.save(update_fields=["rank", "updated_at"])
    if claim.rank != ClaimRank.PREFERRED:
        claim.rank = ClaimRank.PREFERRED
        stamp(claim, user=user, reason=reason)
        claim.save(update_fields=["rank", "updated_at"])
    detection.group_detect(subject_id=claim.subject_id, metric_id=claim.metric_id)
    return claim


# Entities ---------------------------------------------------------------------------------


def entity_names_check(*, entity: Entity | None, name: str, aliases: list[str]) -> None:
    """Refuse a name or alias that another entity already uses (ignoring case, spaces, hyphens)."""
    errors: dict[str, list[str]] = {}
    own = entity.pk if entity is not None and entity.pk else None
    keys: dict[str, str] = {}
    for field, text in [("name", name)] + [("aliases", alias) for alias in aliases]:
        text = (text or "").strip()
        if not text:
            errors.setdefault(field, []).append("A name cannot be empty.")
            continue
        key = name_key(text)
        if key in keys and field == "aliases":
            if keys[key] != text or text != name:
                errors.setdefault(field, []).append(
                    f"\u201c{text}\u201d is the same name as \u201c{keys[key]}\u201d "
                    "(names compare ignoring case, spaces and hyphens)."
                )
            continue
        keys[key] = text
        clash_entity = Entity.objects.filter(key=key).exclude(pk=own).first()
        clash_alias = EntityAlias.objects.filter(key=key).exclude(entity_id=own)
        clash_alias = clash_alias.select_related("entity").first()
        clash = clash_entity or (clash_alias.entity if clash_alias else None)
        if clash is not None:
            errors.setdefault(field, []).append(
                f"\u201c{text}\u201d collides with {clash.name} (slug {clash.slug}); "
                "names and aliases compare ignoring case, spaces and hyphens."
            )
    if errors:
        raise ValidationError(errors)


def _parent_check(entity: Entity | None, parent: Entity | None) -> None:
    node = parent
    while node is not None:
        if entity is not None and node.pk == entity.pk:
            raise ValidationError({"parent": "An entity cannot sit below itself."})
        node = node.parent


@transaction.atomic
def entity_create(
    *,
    name: str,
    slug: str,
    kind: str,
    parent: Entity | None = None,
    description: str = "",
    aliases: list[str] = (),
    user=None,
    reason: str = "",
) -> Entity:
    """Create an entity with its aliases."""
    aliases = [a.strip() for a in aliases if a.strip() and name_key(a) != name_key(name)]
    entity_names_check(entity=None, name=name, aliases=aliases)
    entity = Entity(name=name.strip(), slug=slug, kind=kind, parent=parent, description=description)
    entity.full_clean(exclude=["key"], validate_constraints=False)
    if Entity.objects.filter(slug=slug).exists():
        raise ValidationError({"slug": f"An entity with slug \u201c{slug}\u201d already exists."})
    stamp(entity, user=user, reason=reason)
    entity.save()
    for alias in dict.fromkeys(aliases):
        row = EntityAlias(entity=entity, name=alias)
        stamp(row, user=user, reason=reason)
        row.save()
    return entity


@transaction.atomic
def entity_update(*, entity: Entity, user=None, reason: str = "", **changes) -> Entity:
    """Change an entity's fields (aliases excluded: they have their own rows)."""
    allowed = {"name", "slug", "kind", "parent", "description"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({field: "This field cannot be changed." for field in unknown})
    entity = Entity.objects.select_for_update().get(pk=entity.pk)
    if "name" in changes:
        aliases = list(entity.aliases.values_list("name", flat=True))
        entity_names_check(entity=entity, name=changes["name"], aliases=aliases)
    if "parent" in changes:
        _parent_check(entity, changes["parent"])
    changed = {k: v for k, v in changes.items() if getattr(entity, k) != v}
    if not changed:
        return entity
    for name, value in changed.items():
        setattr(entity, name, value)
    entity.full_clean(exclude=["key"], validate_constraints=False, validate_unique=False)
    stamp(entity, user=user, reason=reason)
    entity.save()
    return entity


@transaction.atomic
def entity_merge(
    *, survivor: Entity, duplicates: list[Entity], user=None, reason: str = ""
) -> Entity:
    """Merge duplicate entities into ``survivor``: claims, values, children and aliases move over.

    Each duplicate's name becomes an alias of the survivor, so look-ups by the old name still
    land; the duplicates are then deleted (their history keeps them). Contradiction groups of
    the survivor are re-checked, since claims that lived apart now meet.
    """
    duplicates = [d for d in duplicates if d.pk != survivor.pk]
    if not duplicates:
        raise ValidationError({"duplicates": "Choose at least one entity other than the survivor."})
    reason = reason or f"Merged into {survivor.name}."
    survivor = Entity.objects.select_for_update().get(pk=survivor.pk)
    ids = [d.pk for d in duplicates]
    node = survivor.parent
    while node is not None:
        if node.pk in ids:
            survivor.parent = node.parent
            node = survivor.parent
            continue
        node = node.parent
    stamp(survivor, user=user, reason=reason)
    survivor.save()
    metric_ids = set(
        Claim.objects.filter(subject_id__in=ids).values_list("metric_id", flat=True).distinct()
    )
    moving = [
        (Claim.objects.filter(subject_id__in=ids), "subject"),
        (Claim.objects.filter(entity_value_id__in=ids), "entity_value"),
        (Entity.objects.filter(parent_id__in=ids).exclude(pk=survivor.pk), "parent"),
    ]
    for rows, field in moving:
        for row in rows:
            setattr(row, field, survivor)
            stamp(row, user=user, reason=reason)
            row.save()
    Contradiction.objects.filter(subject_id__in=ids).update(subject=survivor)
    taken = {survivor.key} | set(survivor.aliases.values_list("key", flat=True))
    for duplicate in Entity.objects.filter(pk__in=ids).prefetch_related("aliases"):
        names = [duplicate.name] + [a.name for a in duplicate.aliases.all()]
        for alias in list(duplicate.aliases.all()):
            stamp(alias, user=user, reason=reason)
            alias.delete()
        stamp(duplicate, user=user, reason=reason)
        duplicate.delete()
        for name in names:
            if name_key(name) not in taken:
                row = EntityAlias(entity=survivor, name=name)
                stamp(row, user=user, reason=reason)
                row.save()
                taken.add(name_key(name))
    metric_ids |= set(
        Claim.objects.filter(entity_value=survivor).values_list("metric_id", flat=True)
    )
    for metric_id in sorted(metric_ids):
        detection.group_detect(subject_id=survivor.pk, metric_id=metric_id)
    return survivor


# Contradictions ---------------------------------------------------------------------------


def _settle_check(contradiction: Contradiction, note: str) -> None:
    if not (note or "").strip():
        raise ValidationError({"note": "Say why, in a note: it is kept with the decision."})
    if contradiction.status != ContradictionStatus.OPEN:
        raise ValidationError(
            {
                "status": f"This contradiction is {contradiction.status}; only open ones can be settled."
            }
        )


@transaction.atomic
def contradiction_resolve(
    *, contradiction: Contradiction, preferred_claim: Claim, note: str, user=None
) -> Contradiction:
    """Settle a contradiction by preferring one claim; the other is deprecated."""
    contradiction = Contradiction.objects.select_for_update().get(pk=contradiction.pk)
    _settle_check(contradiction, note)
    if preferred_claim.pk not in (contradiction.claim_a_id, contradiction.claim_b_id):
        raise ValidationError(
            {"preferred_claim": "The preferred claim must be one of the two claims in conflict."}
        )
    preferred = Claim.objects.select_for_update().get(pk=preferred_claim.pk)
    other = Claim.objects.select_for_update().get(pk=contradiction.other(preferred.pk))
    if preferred.status == ClaimStatus.REJECTED:
        raise ValidationError({"preferred_claim": "A rejected claim cannot be preferred."})
    reason = f"Contradiction {contradiction.pk} resolved: {note.strip()}"
    for claim, rank in ((preferred, ClaimRank.PREFERRED), (other, ClaimRank.DEPRECATED)):
        if claim.rank != rank:
            claim.rank = rank
            stamp(claim, user=user, reason=reason)
            claim.save(update_fields=["rank", "updated_at"])
    contradiction.status = ContradictionStatus.RESOLVED
    contradiction.preferred_claim = preferred
    contradiction.resolution_note = note.strip()
    contradiction.resolved_by = user if user is not None and user.is_authenticated else None
    contradiction.resolved_at = timezone.now()
    stamp(contradiction, user=user, reason=reason)
    contradiction.save()
    detection.group_detect(subject_id=contradiction.subject_id, metric_id=contradiction.metric_id)
    contradiction.refresh_from_db()
    return contradiction


@transaction.atomic
def contradiction_dismiss(*, contradiction: Contradiction, note: str, user=None) -> Contradiction:
    """Dismiss a contradiction as not a real conflict; it stays dismissed unless a value changes."""
    contradiction = Contradiction.objects.select_for_update().get(pk=contradiction.pk)
    _settle_check(contradiction, note)
    contradiction.status = ContradictionStatus.DISMISSED
    contradiction.resolution_note = note.strip()
    contradiction.resolved_by = user if user is not None and user.is_authenticated else None
    contradiction.resolved_at = timezone.now()
    stamp(contradiction, user=user, reason=f"Dismissed: {note.strip()}")
    contradiction.save()
    return contradiction


# Metrics ----------------------------------------------------------------------------------

READING_FIELDS = {"value_type", "dimension", "unit", "tolerance"}


@transaction.atomic
def metric_save(*, metric: Metric | None = None, user=None, reason: str = "", **values) -> Metric:
    """Create a metric, or change one; its claims are read again when the reading rules change.

    A change that leaves some claim unreadable (a quantity metric turned into a date metric,
    a unit its claims do not carry) is refused, naming the claims, and nothing is saved.
    """
    creating = metric is None
    metric = Metric() if creating else Metric.objects.select_for_update().get(pk=metric.pk)
    changed = {k: v for k, v in values.items() if creating or getattr(metric, k) != v}
    if not changed:
        return metric
    for name, value in changed.items():
        setattr(metric, name, value)
    metric.full_clean(validate_unique=False)
    if Metric.objects.filter(slug=metric.slug).exclude(pk=metric.pk).exists():
        raise ValidationError({"slug": f"A metric with slug \u201c{metric.slug}\u201d exists."})
    stamp(metric, user=user, reason=reason)
    metric.save()
    if creating or not (READING_FIELDS & set(changed)):
        if not creating and {"single_valued", "time_varying"} & set(changed):
            _regroup(metric)
        return metric
    problems = []
    claims = list(Claim.objects.filter(metric=metric).select_related("source", "subject"))
    for claim in claims:
        try:
            fields = claim_prepare(**(claim_inputs(claim) | {"metric": metric}))
        except ValidationError as error:
            problems.append(f"claim {claim.pk} ({claim.value_text}): {' '.join(error.messages)}")
            continue
        updates = {k: v for k, v in fields.items() if getattr(claim, k) != v}
        if updates:
            for name, value in updates.items():
                setattr(claim, name, value)
            stamp(claim, user=user, reason=reason or f"Metric {metric.slug} changed.")
            claim.save()
    if problems:
        raise ValidationError(
            {"value_type": ["Its claims would no longer read: " + "; ".join(problems[:10])]}
        )
    _regroup(metric)
    return metric


def _regroup(metric: Metric) -> None:
    """Re-check every group of a metric whose comparison rules changed."""
    groups = Claim.objects.filter(metric=metric).values_list("subject_id", "metric_id").distinct()
    detection.groups_detect(list(groups))
