"""What the extractor knows: entities, metrics and publishers as plain values."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from claims.extraction.names import PhraseMatcher


@dataclass(frozen=True)
class EntityRef:
    """An entity by slug, with its kind and every name it goes by (name first)."""

    slug: str
    name: str
    kind: str
    names: tuple[str, ...] = ()
    parent: str = ""  # the slug of the entity it belongs to ("alibaba" for Alibaba Cloud)


@dataclass(frozen=True)
class MetricRef:
    """A metric as the extractor sees it: its value type, dimension, unit and cues."""

    slug: str
    name: str
    value_type: str
    dimension: str = ""
    unit: str = ""
    cues: tuple[str, ...] = ()


@dataclass(frozen=True)
class PublisherRef:
    """A publisher a sentence may attribute a figure to."""

    slug: str
    name: str


@dataclass
class Catalogue:
    """Entities, metrics and publishers with their matchers, built once and reused."""

    entities: list[EntityRef]
    metrics: list[MetricRef]
    publishers: list[PublisherRef] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.names: PhraseMatcher[EntityRef] = PhraseMatcher(
            (name, entity) for entity in self.entities for name in (entity.name, *entity.names)
        )
        # The first entity registered under a folded name (names and aliases do not collide).
        self.by_name = {key: values[0] for key, values in self.names.table.items()}
        self.known = set(self.by_name)
        self.by_slug = {entity.slug: entity for entity in self.entities}
        self.cues: PhraseMatcher[MetricRef] = PhraseMatcher(
            ((cue, metric) for metric in self.metrics for cue in metric.cues),
            plurals=True,
            overlapping=True,
        )
        self.publisher_names: PhraseMatcher[PublisherRef] = PhraseMatcher(
            (name, publisher)
            for publisher in self.publishers
            for name in {publisher.name, publisher.slug.replace("-", " ")}
        )

    @classmethod
    def build(
        cls,
        *,
        entities: Iterable[EntityRef],
        metrics: Iterable[MetricRef],
        publishers: Iterable[PublisherRef] = (),
    ) -> Catalogue:
        """A catalogue over the given references."""
        return cls(list(entities), list(metrics), list(publishers))
