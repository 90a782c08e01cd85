"""Proposed claims from a source's text: the extractor's proposals stored as claims.

Each proposal goes through ``claim_create`` like any other write (value read, quote verified,
contradictions detected, which are pending while the claim is proposed). A proposal already
stored for the source (same subject, metric, value as written and quote, in any status) is not
proposed again, so running the extractor twice over one text proposes nothing new. New-entity
candidates are stored once per source and name (``EntityCandidate``), for the Proposals queue
to create or map in one step.
"""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction

from claims.choices import CandidateStatus, ClaimOrigin
from claims.extraction import (
    EXTRACTOR_VERSION,
    Candidate,
    Catalogue,
    EntityRef,
    MetricRef,
    Proposal,
    PublisherRef,
    Skipped,
    extract,
)
from claims.extraction.names import fold
from claims.models import Claim, Entity, EntityAlias, EntityCandidate, Metric
from claims.services.claims import ClaimWrite, claim_create
from sources.models import Publisher, Source


@dataclass(frozen=True)
class ProposalRun:
    """What proposing from one source did: claims stored, candidates and figures skipped.

    ``candidates`` are the stored candidates the text names that are still open (each with its
    id; one stored by an earlier run is the same row, never a second one).
    """

    proposed: list[ClaimWrite]
    candidates: list[EntityCandidate]
    skipped: list[Skipped]


def extraction_catalogue() -> Catalogue:
    """Every entity (with its aliases), metric and publisher, for the extractor."""
    aliases: dict[int, list[str]] = {}
    for entity_id, name in EntityAlias.objects.values_list("entity_id", "name"):
        aliases.setdefault(entity_id, []).append(name)
    return Catalogue.build(
        entities=(
            EntityRef(slug, name, kind, tuple(aliases.get(pk, ())), parent or "")
            for pk, slug, name, kind, parent in Entity.objects.values_list(
                "pk", "slug", "name", "kind", "parent__slug"
            )
        ),
        metrics=(
            MetricRef(slug, name, value_type, dimension, unit, tuple(cues or ()))
            for slug, name, value_type, dimension, unit, cues in Metric.objects.values_list(
                "slug", "name", "value_type", "dimension", "unit", "cues"
            )
        ),
        publishers=(
            PublisherRef(slug, name) for slug, name in Publisher.objects.values_list("slug", "name")
        ),
    )


def proposal_record(proposal: Proposal) -> dict:
    """Why a proposal was made, as stored on its claim; spans are offsets in the source's text."""
    reason, base = proposal.reason, proposal.quote_start

    def absolute(span):
        return None if span is None else [base + span[0], base + span[1]]

    return {
        "confidence": proposal.confidence,
        "reason": reason.sentence(),
        "cue": reason.cue,
        "cue_span": absolute(reason.cue_span),
        "mention": reason.mention,
        "mention_span": absolute(reason.mention_span),
        "resolved_from": reason.resolved_from,
        "figure_span": absolute(reason.figure_span),
        "attribution": proposal.attribution,
        "as_of_text": proposal.as_of_text,
    }


def source_propose_check(source: Source) -> None:
    """Refuse to propose from a source without text (before queuing it, or running it)."""
    if not source.text.strip():
        raise ValidationError({"text": "The source has no stored text to propose claims from."})


@transaction.atomic
def source_propose(*, source: Source, user=None, catalogue: Catalogue | None = None) -> ProposalRun:
    """Store the claims the source's text proposes; returns them with candidates and skips."""
    source_propose_check(source)
    catalogue = catalogue or extraction_catalogue()
    extraction = extract(
        source.text,
        catalogue,
        published=source.published,
        precision=source.published_precision,
    )
    entities = Entity.objects.in_bulk({p.subject for p in extraction.proposals}, field_name="slug")
    metrics = Metric.objects.in_bulk({p.metric for p in extraction.proposals}, field_name="slug")
    publishers = Publisher.objects.in_bulk(
        {p.attributed_to for p in extraction.proposals if p.attributed_to}, field_name="slug"
    )
    stored = set(
        Claim.objects.filter(source=source).values_list(
            "subject__slug", "metric__slug", "value_text", "quote"
        )
    )
    proposed, skipped = [], list(extraction.skipped)
    for proposal in extraction.proposals:
        key = (proposal.subject, proposal.metric, proposal.value_text, proposal.quote)
        if key in stored:
            continue
        try:
            result = claim_create(
                user=user,
                reason=f"Proposed from the source's text by {EXTRACTOR_VERSION}",
                origin=ClaimOrigin.EXTRACTED,
                extractor_version=EXTRACTOR_VERSION,
                extraction=proposal_record(proposal),
                subject=entities[proposal.subject],
                metric=metrics[proposal.metric],
                source=source,
                value_text=proposal.value_text,
                quote=proposal.quote,
                attributed_to=publishers.get(proposal.attributed_to),
                as_of_text=proposal.as_of_text or None,
                notes=proposal.note,
            )
        except ValidationError as error:
            skipped.append(Skipped(proposal.value_text, " ".join(error.messages)))
            continue
        stored.add(key)
        proposed.append(result)
    return ProposalRun(proposed, _candidates_store(source, extraction.candidates), skipped)


def _candidates_store(source: Source, found: list[Candidate]) -> list[EntityCandidate]:
    """Store the candidates not stored for the source yet; the open ones the text names."""
    keys = {fold(c.name): c for c in reversed(found)}  # the first place a name is written
    existing = {c.key: c for c in EntityCandidate.objects.filter(source=source, key__in=keys)}
    EntityCandidate.objects.bulk_create(
        [
            EntityCandidate(
                source=source,
                name=c.name[:200],
                key=key[:200],
                start=c.start,
                end=c.end,
                sentence=c.sentence,
            )
            for key, c in keys.items()
            if key not in existing
        ],
        ignore_conflicts=True,  # a concurrent run stored it first: that row stands
    )
    return list(
        EntityCandidate.objects.filter(
            source=source, key__in=keys, status=CandidateStatus.OPEN
        ).order_by("start", "id")
    )


@transaction.atomic
def candidate_resolve(
    *,
    candidate: EntityCandidate,
    kind: str = "",
    entity: Entity | None = None,
    user=None,
) -> tuple[Entity, ProposalRun]:
    """Make a new-entity candidate known in one step, then propose from its source again.

    With ``entity`` the name becomes one of its aliases; otherwise a new entity of ``kind`` is
    created under that name. The candidate, and every open candidate of the same name from
    other sources, record what it became; figures the name now ties to a subject are proposed.
    """
    from django.utils import timezone
    from django.utils.text import slugify

    from claims.services.entities import entity_create, entity_names_check

    candidate = EntityCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.OPEN:
        raise ValidationError(
            {"candidate": f"\u201c{candidate.name}\u201d was {candidate.get_status_display()}."}
        )
    name = " ".join(candidate.name.split())
    if entity is None:
        if not kind:
            raise ValidationError({"kind": "Choose the new entity's kind, or an entity to map to."})
        entity = entity_create(
            name=name,
            slug=slugify(name)[:200] or "entity",
            kind=kind,
            user=user,
            reason=f"New entity named in \u201c{candidate.source.title}\u201d",
        )
        status = CandidateStatus.CREATED
    else:
        aliases = list(entity.aliases.values_list("name", flat=True))
        entity_names_check(entity=entity, name=entity.name, aliases=[*aliases, name])
        entity.aliases.create(name=name)
        status = CandidateStatus.MAPPED
    EntityCandidate.objects.filter(key=candidate.key, status=CandidateStatus.OPEN).update(
        status=status, entity=entity, resolved_by=user, resolved_at=timezone.now()
    )
    return entity, source_propose(source=candidate.source, user=user)


@transaction.atomic
def candidate_dismiss(*, candidate: EntityCandidate, user=None) -> EntityCandidate:
    """Set a candidate aside: the name is not an entity QwenKB keeps (it stays stored, so a
    later run over the same text does not offer it again)."""
    from django.utils import timezone

    candidate = EntityCandidate.objects.select_for_update().get(pk=candidate.pk)
    if candidate.status != CandidateStatus.OPEN:
        raise ValidationError(
            {"candidate": f"\u201c{candidate.name}\u201d was {candidate.get_status_display()}."}
        )
    candidate.status = CandidateStatus.DISMISSED
    candidate.resolved_by = user
    candidate.resolved_at = timezone.now()
    candidate.save(update_fields=["status", "resolved_by", "resolved_at"])
    return candidate
