"""Proposing claims from a source's text (DESIGN.md, "Proposals from a source's text").

Pure Python: the extractor takes a text and a catalogue of plain references (entities with
their names, metrics with their cues, publishers) and returns proposals, new-entity candidates
and the figures it skipped, each with why. Storing them is ``claims.services.proposals``.
"""

from claims.extraction.catalogue import Catalogue, EntityRef, MetricRef, PublisherRef
from claims.extraction.extractor import (
    EXTRACTOR_VERSION,
    Candidate,
    Extraction,
    Proposal,
    Reason,
    Skipped,
    extract,
)

__all__ = [
    "EXTRACTOR_VERSION",
    "Candidate",
    "Catalogue",
    "EntityRef",
    "Extraction",
    "MetricRef",
    "Proposal",
    "PublisherRef",
    "Reason",
    "Skipped",
    "extract",
]
