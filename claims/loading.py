"""Loading a knowledge base from reviewable YAML fixtures, through the same services as editors.

Layout of a fixtures folder: ``publishers.yaml``, ``entities.yaml``, ``metrics.yaml`` and
``sources/*.yaml`` (one file per source: its metadata and the claims it makes, in document
order). Loading is atomic (one bad row and nothing is stored), idempotent (a second load
writes nothing, not even history), and a bad row is named by its file and line.
"""

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from django.core.exceptions import ValidationError
from django.db import transaction

from claims import services
from claims.choices import ClaimRank
from claims.models import Claim, Entity, Metric
from claims.selectors import entity_resolve
from sources import services as source_services
from sources.models import Publisher, Source
from sources.periods import read_published


class FixtureError(Exception):
    """A fixture row that cannot be loaded, named by file and line."""


@dataclass
class LoadReport:
    """What a load did, per kind of record."""

    created: dict[str, int] = field(default_factory=dict)
    updated: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, outcome: str) -> None:
        """Count one record of ``kind`` as created, updated or unchanged."""
        bucket = getattr(self, outcome)
        bucket[kind] = bucket.get(kind, 0) + 1

    def lines(self) -> list[str]:
        """One line per kind, for the command's output."""
        kinds = sorted(set(self.created) | set(self.updated) | set(self.unchanged))
        return [
            f"{kind}: {self.created.get(kind, 0)} created, {self.updated.get(kind, 0)} updated, "
            f"{self.unchanged.get(kind, 0)} unchanged"
            for kind in kinds
        ]


@dataclass(frozen=True)
class Row:
    """One mapping from a YAML list, with where it stands."""

    data: dict
    path: Path
    line: int

    def where(self) -> str:
        """File and line, for error messages."""
        return f"{self.path}, line {self.line}"


def _rows(path: Path, node_path: tuple = ()) -> list[Row]:
    """The mappings of a YAML list (at ``node_path`` inside the document), with line numbers."""
    try:
        text = path.read_text(encoding="utf-8")
        node = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except (OSError, yaml.YAMLError) as exc:
        raise FixtureError(f"{path}: cannot read YAML: {exc}") from exc
    for key in node_path:
        if node is None or not isinstance(data, dict) or key not in data:
            raise FixtureError(f"{path}: expected a top-level \u201c{key}\u201d key.")
        data = data[key]
        node = next(v for k, v in node.value if k.value == key)
    if data is None or node is None:
        return []
    if not isinstance(data, list):
        raise FixtureError(f"{path}: expected a list of entries.")
    rows = []
    for item, item_node in zip(data, node.value, strict=True):
        row = Row(item, path, item_node.start_mark.line + 1)
        if not isinstance(item, dict):
            raise FixtureError(f"{row.where()}: expected a mapping of fields.")
        rows.append(row)
    return rows


def _fail(row: Row, error: Exception) -> FixtureError:
    if isinstance(error, ValidationError) and hasattr(error, "message_dict"):
        detail = "; ".join(f"{k}: {' '.join(v)}" for k, v in error.message_dict.items())
    elif isinstance(error, ValidationError):
        detail = " ".join(error.messages)
    else:
        detail = str(error)
    return FixtureError(f"{row.where()}: {detail}")


def _require(row: Row, *names: str) -> None:
    missing = [name for name in names if row.data.get(name) in (None, "")]
    if missing:
        raise FixtureError(f"{row.where()}: missing {', '.join(missing)}.")


class Loader:
    """Loads one fixtures folder; use ``load_knowledge_base``."""

    def __init__(self, root: Path, *, texts: Path | None, user=None):
        self.root = root
        self.texts = texts
        self.user = user
        self.report = LoadReport()

    def _outcome(self, kind: str, created: bool, changed: bool) -> None:
        self.report.count(kind, "created" if created else "updated" if changed else "unchanged")

    def publishers(self) -> None:
        for row in _rows(self.root / "publishers.yaml"):
            _require(row, "slug", "name")
            values = {
                "slug": row.data["slug"],
                "name": row.data["name"],
                "url": row.data.get("url") or "",
                "reliability": row.data.get("reliability") or "F",
                "description": row.data.get("description") or "",
            }
            existing = Publisher.objects.filter(slug=values["slug"]).first()
            try:
                changed = existing is None or any(
                    getattr(existing, k) != v for k, v in values.items()
                )
                if changed:
                    source_services.publisher_save(publisher=existing, user=self.user, **values)
            except ValidationError as exc:
                raise _fail(row, exc) from exc
            self._outcome("publishers", existing is None, changed)

    def entities(self) -> None:
        for row in _rows(self.root / "entities.yaml"):
            _require(row, "slug", "name", "kind")
            data = row.data
            parent = None
            if data.get("parent"):
                parent = Entity.objects.filter(slug=data["parent"]).first()
                if parent is None:
                    raise FixtureError(
                        f"{row.where()}: parent \u201c{data['parent']}\u201d is not an entity "
                        "listed above it."
                    )
            aliases = [str(a) for a in data.get("aliases") or []]
            values = {
                "name": data["name"],
                "slug": data["slug"],
                "kind": data["kind"],
                "parent": parent,
                "description": data.get("description") or "",
            }
            existing = Entity.objects.filter(slug=data["slug"]).first()
            try:
                if existing is None:
                    services.entity_create(aliases=aliases, user=self.user, **values)
                    self._outcome("entities", True, False)
                    continue
                changed = any(getattr(existing, k) != v for k, v in values.items())
                if changed:
                    services.entity_update(entity=existing, user=self.user, **values)
                have = set(existing.aliases.values_list("name", flat=True))
                new = [a for a in aliases if a not in have]
                if new:
                    services.entity_aliases_update(
                        entity=existing, names=[*have, *new], user=self.user
                    )
                self._outcome("entities", False, changed or bool(new))
            except ValidationError as exc:
                raise _fail(row, exc) from exc

    def metrics(self) -> None:
        for row in _rows(self.root / "metrics.yaml"):
            _require(row, "slug", "name", "value_type")
            data = row.data
            values = {
                "slug": data["slug"],
                "name": data["name"],
                "value_type": data["value_type"],
                "dimension": data.get("dimension") or "",
                "unit": data.get("unit") or "",
                "tolerance": float(data.get("tolerance", 0.05)),
                "single_valued": bool(data.get("single_valued", True)),
                "time_varying": bool(data.get("time_varying", False)),
                "bound_ratio": float(data.get("bound_ratio", 1.5)),
                "counting": data.get("counting") or "level",
                "description": data.get("description") or "",
                "cues": [str(cue) for cue in data.get("cues") or []],
            }
            existing = Metric.objects.filter(slug=values["slug"]).first()
            changed = existing is None or any(getattr(existing, k) != v for k, v in values.items())
            if changed:
                try:
                    services.metric_save(metric=existing, user=self.user, **values)
                except ValidationError as exc:
                    raise _fail(row, exc) from exc
            self._outcome("metrics", existing is None, changed)

    def source(self, path: Path) -> None:
        rows = _rows(path, ("claims",))
        meta = yaml.safe_load(path.read_text(encoding="utf-8")).get("source")
        if not isinstance(meta, dict):
            raise FixtureError(f"{path}: expected a \u201csource\u201d mapping.")
        head = Row(meta, path, 1)
        _require(head, "key", "title", "publisher")
        publisher = Publisher.objects.filter(slug=meta["publisher"]).first()
        if publisher is None:
            raise FixtureError(
                f"{head.where()}: unknown publisher \u201c{meta['publisher']}\u201d."
            )
        try:
            published, precision = read_published(meta.get("published"))
        except ValidationError as exc:
            raise _fail(head, exc) from exc
        values = {
            "key": meta["key"],
            "title": meta["title"],
            "publisher": publisher,
            "author": meta.get("author") or "",
            "url": meta.get("url") or "",
            "published": published,
            "published_precision": precision,
            "published_inferred": bool(meta.get("published_inferred", False)),
            "published_note": meta.get("published_note") or "",
            "language": meta.get("language") or "en",
            "reliability": meta.get("reliability") or publisher.reliability,
            "reliability_reason": meta.get("reliability_reason") or "",
        }
        seed_file = meta.get("seed_file")
        if self.texts is not None and seed_file and (self.texts / seed_file).is_file():
            values["text"] = (self.texts / seed_file).read_text(encoding="utf-8")
        existing = Source.objects.filter(key=values["key"]).first()
        changed = existing is None or any(getattr(existing, k) != v for k, v in values.items())
        try:
            source = (
                existing
                if existing is not None and not changed
                else source_services.source_save(source=existing, user=self.user, **values)
            )
        except ValidationError as exc:
            raise _fail(head, exc) from exc
        self._outcome("sources", existing is None, changed)
        for row in rows:
            self.claim(row, source)

    def claim(self, row: Row, source: Source) -> None:
        _require(row, "subject", "metric", "value", "quote")
        data = row.data
        subject = entity_resolve(str(data["subject"]))
        if subject is None:
            raise FixtureError(
                f"{row.where()}: subject \u201c{data['subject']}\u201d is not an entity."
            )
        metric = Metric.objects.filter(slug=data["metric"]).first()
        if metric is None:
            raise FixtureError(
                f"{row.where()}: metric \u201c{data['metric']}\u201d does not exist."
            )
        attributed_to = None
        if data.get("attributed_to"):
            attributed_to = Publisher.objects.filter(slug=data["attributed_to"]).first()
            if attributed_to is None:
                raise FixtureError(
                    f"{row.where()}: attributed_to \u201c{data['attributed_to']}\u201d is not a publisher."
                )
        inputs: dict[str, Any] = {
            "subject": subject,
            "metric": metric,
            "source": source,
            "value_text": str(data["value"]),
            "quote": str(data["quote"]),
            "attributed_to": attributed_to,
            "as_of": str(data["as_of"]) if data.get("as_of") else None,
            "as_of_text": str(data["as_of_text"]) if data.get("as_of_text") else None,
            "status": data.get("status") or "accepted",
            "rank": data.get("rank") or ClaimRank.NORMAL,
            "notes": data.get("notes") or "",
        }
        existing = Claim.objects.filter(
            source=source, subject=subject, metric=metric, quote=inputs["quote"]
        ).first()
        try:
            if existing is None:
                services.claim_create(user=self.user, reason="Loaded from fixtures", **inputs)
                self._outcome("claims", True, False)
                return
            fields = services.claim_prepare(**inputs)
            changed = any(getattr(existing, k) != v for k, v in fields.items())
            if changed:
                services.claim_update(claim=existing, user=self.user, **inputs)
            self._outcome("claims", False, changed)
        except ValidationError as exc:
            raise _fail(row, exc) from exc


def load_knowledge_base(root: Path, *, texts: Path | None = None, user=None) -> LoadReport:
    """Load every fixture under ``root`` in one transaction; ``texts`` holds source texts."""
    root = Path(root)
    if not (root / "entities.yaml").is_file():
        raise FixtureError(f"{root}: no entities.yaml here; is this a fixtures folder?")
    loader = Loader(root, texts=Path(texts) if texts else None, user=user)
    with transaction.atomic():
        loader.publishers()
        loader.entities()
        loader.metrics()
        for path in sorted((root / "sources").glob("*.yaml")):
            loader.source(path)
    return loader.report
