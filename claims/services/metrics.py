"""Writes of metrics; a change to how values read is applied to every claim."""

from django.core.exceptions import ValidationError
from django.db import transaction

from claims import detection
from claims.choices import ValueType
from claims.models import Claim, Metric
from claims.services.claims import claim_inputs, claim_prepare
from qwenkb.history import stamp
from qwenkb.validation import refuse_nul

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
# An open bound ("over 100") and a figure inside it this many times apart still agree; past
# this the rule would never fire, so a larger ratio is refused as a slip.
BOUND_RATIO_MAX = 100.0
CUE_MAX_LENGTH = 100


@transaction.atomic
def metric_save(*, metric: Metric | None = None, user=None, reason: str = "", **values) -> Metric:
    """Create a metric, or change one; its claims are read again when the reading rules change.

    A change that leaves some claim unreadable (a quantity metric turned into a date metric,
    a unit its claims do not carry) is refused, naming the claims, and nothing is saved.
    """
    values = _inputs_clean(values)
    creating = metric is None
    metric = Metric() if metric is None else Metric.objects.select_for_update().get(pk=metric.pk)
    changed = {k: v for k, v in values.items() if creating or getattr(metric, k) != v}
    if not changed:
        return metric
    for name, value in changed.items():
        setattr(metric, name, value)
    if Metric.objects.filter(slug=metric.slug).exclude(pk=metric.pk).exists():
        raise ValidationError({"slug": f"A metric with slug \u201c{metric.slug}\u201d exists."})
    _check(metric)
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


def _inputs_clean(values: dict) -> dict:
    """What a write sends, checked field by field before anything is changed."""
    unknown = set(values) - set(METRIC_FIELDS)
    if unknown:
        raise ValidationError({name: "This field does not exist on a metric." for name in unknown})
    refuse_nul(values)
    if "cues" in values:
        values["cues"] = metric_cues_clean(values["cues"])
    ratio = values.get("bound_ratio")
    if isinstance(ratio, int | float) and not 1 <= ratio <= BOUND_RATIO_MAX:
        raise ValidationError(
            {"bound_ratio": f"The bound ratio must be between 1 and {BOUND_RATIO_MAX:g}."}
        )
    return values


def _check(metric: Metric) -> None:
    """The metric's own rules, each error keyed by its field."""
    if (metric.value_type == ValueType.QUANTITY) != bool(metric.dimension):
        raise ValidationError(
            {
                "dimension": "A quantity metric needs a dimension (number, percent, multiplier "
                "or money); other value types have none."
            }
        )
    metric.full_clean(validate_unique=False)


def metric_cues_clean(cues) -> list[str]:
    """A metric's cues as stored: a list of distinct phrases, spacing collapsed."""
    if not isinstance(cues, list | tuple) or not all(isinstance(cue, str) for cue in cues):
        raise ValidationError({"cues": "Cues must be a list of phrases."})
    cleaned: list[str] = []
    for cue in cues:
        phrase = " ".join(cue.split())
        if not phrase:
            raise ValidationError({"cues": "A cue cannot be empty."})
        if "\x00" in phrase:
            raise ValidationError({"cues": "A cue cannot contain a NUL character."})
        if len(phrase) > CUE_MAX_LENGTH:
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
