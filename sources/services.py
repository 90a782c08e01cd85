"""Writes of publishers and sources, shared by the admin, fixtures and commands."""

from django.core.exceptions import ValidationError
from django.db import transaction

from qwenkb.history import stamp
from qwenkb.validation import refuse_nul
from qwenkb.webhooks import events
from sources.documents import plain_newlines
from sources.models import Publisher, Source
from sources.signals import source_text_changed

# What an editor writes on a source, in form order: the admin form, the API and the services
# all take this list.
SOURCE_FIELDS = (
    "key",
    "title",
    "publisher",
    "author",
    "url",
    "published",
    "published_precision",
    "published_inferred",
    "published_note",
    "language",
    "reliability",
    "reliability_reason",
    "text",
)


def quotes_missing_from(text: str, source: Source) -> list[str]:
    """Messages for the source's claims whose quotes the text does not contain."""
    if not text or source.pk is None:
        return []
    return [
        f"claim {claim_id} quotes \u201c{quote[:80]}\u201d, which this text does not contain"
        for claim_id, quote in source.claims.values_list("pk", "quote")
        if quote not in text
    ]


@transaction.atomic
def source_save(*, source: Source | None = None, user=None, reason: str = "", **values) -> Source:
    """Create a source, or change one; an empty reliability takes the publisher's grade.

    New text must still contain every quote the source's claims make, and the stored
    positions of those quotes follow the new text.
    """
    unknown = set(values) - set(SOURCE_FIELDS)
    if unknown:
        raise ValidationError(
            {field: "This field does not exist on a source." for field in unknown}
        )
    if isinstance(values.get("text"), str):
        values["text"] = plain_newlines(values["text"])
    creating = source is None
    source = Source() if source is None else Source.objects.select_for_update().get(pk=source.pk)
    changed = {k: v for k, v in values.items() if creating or getattr(source, k) != v}
    for name, value in changed.items():
        setattr(source, name, value)
    if not source.reliability and source.publisher_id is not None:
        source.reliability = source.publisher.reliability
        changed["reliability"] = source.reliability
    if not changed and not creating:
        return source
    if "text" in changed:
        missing = quotes_missing_from(source.text, source)
        if missing:
            raise ValidationError({"text": f"The new text breaks quotes: {'; '.join(missing)}."})
    source.full_clean(validate_constraints=False)
    if "key" in changed and Source.objects.filter(key=source.key).exclude(pk=source.pk).exists():
        raise ValidationError({"key": f"A source with key \u201c{source.key}\u201d exists."})
    stamp(source, user=user, reason=reason)
    source.save()
    if creating:
        events.source_added(source)
    if "text" in changed and not creating:
        source_text_changed.send(sender=Source, source=source)
    return source


# What an editor writes on a publisher: the API and the services take this list.
PUBLISHER_FIELDS = ("name", "slug", "url", "reliability", "description")


@transaction.atomic
def publisher_save(
    *, publisher: Publisher | None = None, user=None, reason: str = "", **values
) -> Publisher:
    """Create a publisher, or change one.

    A new grade is passed on to the publisher's sources that carry its old grade as their
    default (no reason of their own given), each with a history entry: their claims' current
    values and the grades shown beside disputes follow. A source graded for a stated reason
    keeps its grade.
    """
    unknown = set(values) - set(PUBLISHER_FIELDS)
    if unknown:
        raise ValidationError(
            {field: "This field does not exist on a publisher." for field in unknown}
        )
    refuse_nul(values)
    creating = publisher is None
    publisher = (
        Publisher()
        if publisher is None
        else Publisher.objects.select_for_update().get(pk=publisher.pk)
    )
    changed = {k: v for k, v in values.items() if creating or getattr(publisher, k) != v}
    if not changed:
        return publisher
    old_grade = publisher.reliability
    for name, value in changed.items():
        setattr(publisher, name, value)
    publisher.full_clean(validate_constraints=False, validate_unique=False)
    if Publisher.objects.filter(slug=publisher.slug).exclude(pk=publisher.pk).exists():
        raise ValidationError(
            {"slug": f"A publisher with slug \u201c{publisher.slug}\u201d exists."}
        )
    stamp(publisher, user=user, reason=reason)
    publisher.save()
    if not creating and "reliability" in changed:
        _grade_follows(publisher, old_grade, user=user, reason=reason)
    return publisher


def _grade_follows(publisher: Publisher, old_grade: str, *, user, reason: str) -> None:
    """The publisher's sources that took its old grade as their default take the new one."""
    why = f"{publisher.name}'s default grade changed from {old_grade} to {publisher.reliability}"
    following = publisher.sources.filter(reliability__in=[old_grade, ""], reliability_reason="")
    for source in following.order_by("pk"):
        source_save(
            source=source,
            user=user,
            reason=f"{why}: {reason}" if reason else f"{why}.",
            reliability=publisher.reliability,
        )
