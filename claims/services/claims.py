"""Writes of claims: create, change, review and prefer."""

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone

from claims import detection
from claims.choices import ClaimRank, ClaimStatus
from claims.models import Claim, Contradiction, Entity, Metric
from claims.reading import read_as_of_text, read_period, read_value
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
    for field, given, choices, label in (
        ("status", status, ClaimStatus, "Status"),
        ("rank", rank, ClaimRank, "Rank"),
    ):
        try:
            fields[field] = _choice(given, choices, field, label)
        except ValidationError as exc:
            errors.setdefault(field, []).extend(exc.message_dict[field])
    fields["quote_offset"] = _quote_offset(source, quote, errors)
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


def _as_of_fields(as_of, source: Source | None, as_of_text: str | None = None) -> dict:
    if as_of_text is not None and as_of_text.strip():
        if (isinstance(as_of, str) and as_of.strip()) or isinstance(as_of, tuple):
            raise ValidationError(
                {"as_of_text": "Give the as-of period as_of or as_of_text, not both."}
            )
        if source is None:
            return {}  # the missing source is reported under "source"
        start, end, precision = read_as_of_text(as_of_text.strip(), source=source)
    elif isinstance(as_of, str) and as_of.strip():
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


REVIEW_PERMISSION = "claims.review_claim"


def require_review(user, what: str) -> None:
    """Refuse a review decision from an account that is not a reviewer.

    ``user`` None is the system itself (fixtures, imports, commands), which may.
    """
    if user is not None and not user.has_perm(REVIEW_PERMISSION):
        raise PermissionDenied(f"Only reviewers {what}.")


@transaction.atomic
def claim_create(*, user=None, reason: str = "", **values) -> ClaimWrite:
    """Create a claim from its value as written; returns it with the contradictions it opened."""
    fields = claim_prepare(**values)
    if fields["status"] != ClaimStatus.PROPOSED or fields["rank"] != ClaimRank.NORMAL:
        require_review(user, "set a claim's status or rank; leave them out to propose it")
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
    if changes.get("as_of_text") and "as_of" not in changes:
        del inputs["as_of"]  # the source's words replace the stored period
    fields = claim_prepare(**inputs)
    changed = {name: value for name, value in fields.items() if getattr(claim, name) != value}
    if not changed:
        return ClaimWrite(claim, [])
    if {"status", "rank"} & set(changed):
        require_review(user, "change a claim's status or rank")
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
    require_review(user, "prefer a claim")
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
