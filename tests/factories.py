"""Test data built through the same services as real writes."""

import datetime
import itertools

from claims import services
from claims.models import Entity, Metric
from claims.values.quotes import quote_problem
from sources.models import Publisher, Source

_seq = itertools.count(1)


def publisher(*, name: str | None = None, reliability: str = "B", **extra) -> Publisher:
    """A publisher with a unique slug."""
    n = next(_seq)
    name = name or f"Publisher {n}"
    return Publisher.objects.create(
        name=name, slug=f"publisher-{n}", reliability=reliability, **extra
    )


def source(
    *,
    title: str | None = None,
    text: str = "",
    published: datetime.date | None = datetime.date(2026, 3, 28),
    precision: str = "day",
    reliability: str = "",
    pub: Publisher | None = None,
    author: str = "",
) -> Source:
    """A source (published on the day given, or undated)."""
    n = next(_seq)
    from sources.services import source_save

    return source_save(
        key=f"source-{n}",
        title=title or f"Source {n}",
        publisher=pub or publisher(),
        text=text,
        published=published,
        published_precision=precision if published else "unknown",
        reliability=reliability,
        author=author,
    )


def entity(*, name: str | None = None, kind: str = "model", parent=None, aliases=()) -> Entity:
    """An entity with a unique slug."""
    n = next(_seq)
    return services.entity_create(
        name=name or f"Model {n}",
        slug=f"entity-{n}",
        kind=kind,
        parent=parent,
        aliases=list(aliases),
    )


def metric(
    *,
    slug: str | None = None,
    name: str | None = None,
    value_type: str = "quantity",
    dimension: str = "number",
    unit: str = "parameters",
    tolerance: float = 0.05,
    single_valued: bool = True,
    time_varying: bool = False,
) -> Metric:
    """A metric; quantity of parameters unless told otherwise."""
    n = next(_seq)
    return Metric.objects.create(
        name=name or f"Metric {n}",
        slug=slug or f"metric-{n}",
        value_type=value_type,
        dimension=dimension if value_type == "quantity" else "",
        unit=unit if value_type == "quantity" else "",
        tolerance=tolerance,
        single_valued=single_valued,
        time_varying=time_varying,
    )


def claim(
    *, subject=None, metric_=None, src=None, value: str = "27B", quote: str | None = None, **extra
):
    """A claim created through the service; returns the ``ClaimWrite``."""
    src = src or source()
    metric_ = metric_ or metric()
    quote = quote or f"it has {value}"
    if not src.text and quote_problem(value, quote, metric_.value_type):
        # A label-like quote ("a", "b") gets the figure a real quote would carry.
        quote = f"{quote}: {value}"
    return services.claim_create(
        subject=subject or entity(),
        metric=metric_,
        source=src,
        value_text=value,
        quote=quote,
        **({"status": "accepted"} | extra),
    )
