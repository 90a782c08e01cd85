"""Writes of claims: create, change, review and prefer."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from claims import detection, events
from claims.choices import ClaimOrigin, ClaimRank, ClaimStatus, ContradictionStatus
from claims.models import Claim, Contradiction, Entity, Metric
from claims.reading import as_of_agreed, read_as_of_text, read_period, read_value
from claims.selectors import entity_resolve
from claims.values.quotes import quote_problem
from qwenkb.history import stamp
from sources.choices import DatePrecision
from sources.documents import plain_newlines
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
    "as_of_text",
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
    as_of_text: str | None = None,
    status: str = ClaimStatus.PROPOSED,
    rank: str = ClaimRank.NORMAL,
    notes: str = "",
) -> dict:
    """Validate a claim's input and return the model field values to store.

    ``as_of`` is a period as written ("March 22–28, 2026"), a (start, end, precision) tuple,
    or None for the source's own date; ``as_of_text`` is instead the source's own words ("by the
    end of January"), read against the source's date. Every problem found is reported, each
    under its field.
    """
    errors: dict[str, list[str]] = {}
    for field, value, what in (
        ("subject", subject, "the entity the claim is about"),
        ("metric", metric, "what is claimed"),
        ("source", source, "the source that states it"),
    ):
        if value is None:
            errors.setdefault(field, []).append(f"Choose {what}.")
    # As a source's text is stored: a browser sends a textarea's line breaks as \r\n.
    quote = plain_newlines(quote or "")
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
    for field, given, choices, label in (
        ("status", status, ClaimStatus, "Status"),
        ("rank", rank, ClaimRank, "Rank"),
    ):
        try:
            fields[field] = _choice(given, choices, field, label)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.message_dict[field])
    fields["quote_offset"] = _quote_offset(source, quote, errors)
    _quote_holds_figure(metric, fields["value_text"], quote, errors)
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
        fields |= _as_of_fields(as_of, source, as_of_text)
    except ValidationError as exc:
        for field, messages in exc.message_dict.items():
            errors.setdefault(field, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    return fields


def _quote_offset(source: Source | None, quote: str, errors: dict[str, list[str]]) -> int | None:
    """Where the quote stands in the source's text (None without a text); a quote the text
    does not contain is an error under ``quote``."""
    if source is None or not quote.strip() or not source.text:
        return None
    offset = source.text.find(quote)
    if offset < 0:
        errors.setdefault("quote", []).append(
            f"The quote is not found verbatim in the text of \u201c{source.title}\u201d; "
            "copy it exactly, character for character."
        )
        return None
    return offset


def _quote_holds_figure(metric, value_text: str, quote: str, errors: dict[str, list[str]]) -> None:
    """A quantity or date claim's figure as written must stand in its quote (DESIGN.md,
    "Quotes hold their figures"); otherwise an error under ``quote``."""
    if metric is None or not quote.strip() or not value_text:
        return
    problem = quote_problem(value_text, quote, metric.value_type)
    if problem:
        errors.setdefault("quote", []).append(problem)


def _as_of_fields(as_of, source: Source | None, as_of_text: str | None = None) -> dict:
    if as_of_text is not None and as_of_text.strip():
        if source is None:
            return {}  # the missing source is reported under "source"
        text = as_of_text.strip()
        read = read_as_of_text(text, source=source)
        given = _explicit_as_of(as_of, source) if _given(as_of) else None
        start, end, precision = as_of_agreed(text, read, given)
    elif _given(as_of):
        start, end, precision = _explicit_as_of(as_of, source)
    elif source is not None and source.published is not None:
        start, precision = source.published, source.published_precision
        end = period_end(start, precision)
    else:
        start, end, precision = None, None, DatePrecision.UNKNOWN
    return {"as_of_start": start, "as_of_end": end, "as_of_precision": precision}


def _given(as_of) -> bool:
    return (isinstance(as_of, str) and bool(as_of.strip())) or isinstance(as_of, tuple)


def _explicit_as_of(as_of, source: Source | None) -> tuple:
    """The as-of period given as written ("March 22–28, 2026") or as (start, end, precision)."""
    if isinstance(as_of, tuple):
        start, end, precision = as_of
        if start is not None and end is not None and end < start:
            raise ValidationError({"as_of": "The as-of period cannot end before it starts."})
        return start, end, precision
    context = source.published if source is not None else None
    return read_period(as_of.strip(), context=context)


REVIEW_PERMISSION = "claims.review_claim"


def require_review(user, what: str) -> None:
    """Refuse a review decision from an account that is not a reviewer.

    ``user`` None is the system itself (fixtures, imports, commands), which may.
    """
    if user is not None and not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(f"Only reviewers {what}.")


def _refuse_duplicate(fields: dict, *, exclude: int | None = None) -> None:
    """The same claim twice (source, subject, metric, value as written, quote) is refused."""
    same = Claim.objects.filter(
        source=fields["source"],
        subject=fields["subject"],
        metric=fields["metric"],
        value_text=fields["value_text"],
        quote=fields["quote"],
    )
    if exclude is not None:
        same = same.exclude(pk=exclude)
    existing = same.values_list("pk", flat=True).first()
    if existing is not None:
        raise ValidationError(
            {
                "quote": f"Claim {existing} already states this: same source, subject, metric, "
                "value and quote. Change that claim instead."
            }
        )


@transaction.atomic
def claim_create(
    *,
    user=None,
    reason: str = "",
    origin: str = ClaimOrigin.MANUAL,
    extractor_version: str = "",
    extraction: dict | None = None,
    **values,
) -> ClaimWrite:
    """Create a claim from its value as written; returns it with the contradictions it opened.

    ``origin`` says how it came in; an extracted claim carries the extractor's version and why
    it was proposed (``extraction``).
    """
    fields = claim_prepare(**values)
    _refuse_duplicate(fields)
    if fields["status"] != ClaimStatus.PROPOSED or fields["rank"] != ClaimRank.NORMAL:
        require_review(user, "set a claim's status or rank; leave them out to propose it")
    claim = Claim(
        **fields,
        origin=_choice(origin, ClaimOrigin, "origin", "Origin"),
        extractor_version=extractor_version,
        extraction=extraction or {},
        added_by=user if user is not None and user.is_authenticated else None,
    )
    if claim.status != ClaimStatus.PROPOSED and claim.added_by is not None:
        claim.reviewed_by, claim.reviewed_at = claim.added_by, timezone.now()
    claim.full_clean(validate_constraints=False)
    stamp(claim, user=user, reason=reason)
    claim.save()
    opened = detection.group_detect(subject_id=claim.subject_id, metric_id=claim.metric_id)
    events.claim_written(claim, opened, accepted=claim.status == ClaimStatus.ACCEPTED)
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
    if changes.get("as_of_text") and "as_of" not in changes:
        del inputs["as_of"]  # the source's words replace the stored period
    fields = claim_prepare(**inputs)
    changed = {name: value for name, value in fields.items() if getattr(claim, name) != value}
    if not changed:
        return ClaimWrite(claim, [])
    if {"source", "subject", "metric", "value_text", "quote"} & set(changed):
        _refuse_duplicate(fields, exclude=claim.pk)
    if {"status", "rank"} & set(changed) and not _withdrawal(claim, changed, user):
        require_review(user, "change a claim's status or rank")
    for name, value in changed.items():
        setattr(claim, name, value)
    if "status" in changed and user is not None and user.is_authenticated:
        claim.reviewed_by, claim.reviewed_at = user, timezone.now()
    claim.full_clean(validate_constraints=False)
    stamp(claim, user=user, reason=reason)
    claim.save()
    if changed.get("rank") == ClaimRank.DEPRECATED:
        claim_pairs_settle(
            claim=claim, note=reason.strip() or f"Claim {claim.pk} deprecated.", user=user
        )
    groups = {old_group, (claim.subject_id, claim.metric_id)}
    opened = []
    for subject_id, metric_id in sorted(groups):
        opened += detection.group_detect(subject_id=subject_id, metric_id=metric_id)
    events.claim_written(claim, opened, accepted=changed.get("status") == ClaimStatus.ACCEPTED)
    return ClaimWrite(claim, [c for c in opened if claim.pk in (c.claim_a_id, c.claim_b_id)])


def _withdrawal(claim: Claim, changed: dict, user) -> bool:
    """An editor rejecting their own proposed claim: withdrawing it needs no reviewer."""
    return (
        set(changed) <= {"status"}
        and changed["status"] == ClaimStatus.REJECTED
        and claim.status == ClaimStatus.PROPOSED
        and user is not None
        and user.is_authenticated
        and claim.added_by_id == user.pk
    )


def claim_accept(*, claim: Claim, user=None, reason: str = "") -> ClaimWrite:
    """Accept a claim after review."""
    return claim_update(claim=claim, user=user, reason=reason, status=ClaimStatus.ACCEPTED)


def claim_reject(*, claim: Claim, user=None, reason: str = "") -> ClaimWrite:
    """Reject a claim; the contradictions it was in close. An editor may reject (withdraw)
    a proposed claim they added themselves."""
    return claim_update(claim=claim, user=user, reason=reason, status=ClaimStatus.REJECTED)


def _open_records(claim_id: int) -> list[Contradiction]:
    """The open contradictions a claim is in, locked, in id order."""
    return list(
        Contradiction.objects.select_for_update()
        .filter(Q(claim_a_id=claim_id) | Q(claim_b_id=claim_id), status=ContradictionStatus.OPEN)
        .order_by("pk")
    )


def _resolve(record: Contradiction, *, winner_id: int, note: str, user) -> None:
    record.status = ContradictionStatus.RESOLVED
    record.preferred_claim_id = winner_id
    record.resolution_note = note
    record.resolved_by = user if user is not None and user.is_authenticated else None
    record.resolved_at = timezone.now()
    stamp(record, user=user, reason=f"Contradiction {record.pk} resolved: {note}")
    record.save()


def _set_rank(claim: Claim, rank: str, *, user, reason: str) -> None:
    if claim.rank != rank:
        claim.rank = rank
        stamp(claim, user=user, reason=reason)
        claim.save(update_fields=["rank", "updated_at"])


def claim_pairs_settle(*, claim: Claim, note: str, user=None) -> list[Contradiction]:
    """Settle every open contradiction of a deprecated claim in favour of the other claim.

    Deprecating a claim says it is wrong, so each pair it is in is decided (DESIGN.md,
    "Settling in one step"); the decision holds while the claim stays deprecated.
    """
    records = _open_records(claim.pk)
    for record in records:
        _resolve(record, winner_id=record.other(claim.pk), note=note, user=user)
    return records


@transaction.atomic
def claim_prefer_settle(*, claim: Claim, note: str, user=None) -> list[Contradiction]:
    """Make a claim preferred and settle its group in one step (DESIGN.md).

    Every open contradiction in its group between it and a claim that disagrees is resolved
    in its favour with ``note``; those claims are deprecated, which settles their other
    pairs too. A previous preferred claim of the group turns normal. Returns the records
    decided. The caller checks who may and whether the claim may be preferred.
    """
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    group = (claim.subject_id, claim.metric_id)
    reason = f"Claim {claim.pk} preferred: {note}"
    others = Claim.objects.filter(
        subject_id=claim.subject_id, metric_id=claim.metric_id, rank=ClaimRank.PREFERRED
    ).exclude(pk=claim.pk)
    for other in others.select_for_update():
        _set_rank(other, ClaimRank.NORMAL, user=user, reason=reason)
    _set_rank(claim, ClaimRank.PREFERRED, user=user, reason=reason)
    # Decisions that set this claim aside no longer hold: detection reopens them first.
    detection.group_detect(subject_id=group[0], metric_id=group[1])
    settled = []
    for record in _open_records(claim.pk):
        if (record.subject_id, record.metric_id) != group:
            continue
        loser = Claim.objects.select_for_update().get(pk=record.other(claim.pk))
        _resolve(record, winner_id=claim.pk, note=note, user=user)
        _set_rank(loser, ClaimRank.DEPRECATED, user=user, reason=reason)
        settled += [record, *claim_pairs_settle(claim=loser, note=note, user=user)]
    detection.group_detect(subject_id=group[0], metric_id=group[1])
    return settled


@transaction.atomic
def claim_prefer(*, claim: Claim, user=None, reason: str = "") -> ClaimWrite:
    """Make an accepted claim the preferred one of its subject+metric, settling its group.

    Only accepted claims can be preferred: a preferred claim is the current value. The
    reason is the note kept with every contradiction it settles.
    """
    require_review(user, "prefer a claim")
    claim = Claim.objects.select_for_update().get(pk=claim.pk)
    if claim.status != ClaimStatus.ACCEPTED:
        raise ValidationError({"rank": "Only an accepted claim can be preferred; accept it first."})
    note = (reason or "").strip() or f"Claim {claim.pk} preferred."
    claim_prefer_settle(claim=claim, note=note, user=user)
    claim.refresh_from_db()
    return ClaimWrite(claim, [])
