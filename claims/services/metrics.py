"""Writes of metrics; a change to how values read is applied to every claim."""

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import detection
from claims.models import Claim, Metric
from claims.services.claims import claim_inputs, claim_prepare
from qwenkb.history import stamp

# What an editor writes on a metric: the admin form and the API take this list.
METRIC_FIELDS = (
    "name",
    "slug",
    "description",
    "value_type",
    "dimension",
    "unit",
    "tolerance",
    "single_valued",
    "time_varying",
    "bound_ratio",
    "counting",
    "cues",
)
READING_FIELDS = {"value_type", "dimension", "unit", "tolerance"}


@transaction.atomic
def metric_save(*, metric: Metric | None = None, user=None, reason: str = "", **values) -> Metric:
    """Create a metric, or change one; its claims are read again when the reading rules change.

    A change that leaves some claim unreadable (a quantity metric turned into a date metric,
    a unit its claims do not carry) is refused, naming the claims, and nothing is saved.
    """
    if "cues" in values:
        values["cues"] = metric_cues_clean(values["cues"])
    creating = metric is None
    metric = Metric() if metric is None else Metric.objects.select_for_update().get(pk=metric.pk)
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
        if not creating and {"single_valued", "time_varying", "bound_ratio", "counting"} & set(
            changed
        ):
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


def metric_cues_clean(cues) -> list[str]:
    """A metric's cues as stored: a list of distinct phrases, spacing collapsed."""
    if not isinstance(cues, list | tuple) or not all(isinstance(cue, str) for cue in cues):
        raise ValidationError({"cues": "Cues must be a list of phrases."})
    cleaned: list[str] = []
    for cue in cues:
        phrase = " ".join(cue.split())
        if not phrase:
            raise ValidationError({"cues": "A cue cannot be empty."})
        if len(phrase) > 100:
            raise ValidationError(
                {"cues": f"The cue \u201c{phrase[:40]}\u2026\u201d is over 100 characters."}
            )
        if phrase.casefold() not in {c.casefold() for c in cleaned}:
            cleaned.append(phrase)
    return cleaned


def _regroup(metric: Metric) -> None:
    """Re-check every group of a metric whose comparison rules changed."""
    groups = Claim.objects.filter(metric=metric).values_list("subject_id", "metric_id").distinct()
    detection.groups_detect(list(groups))
