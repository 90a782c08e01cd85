"""Bulk import of claims: the services' reading and validation, stored a batch at a time.

A row is what an editor would type: subject (slug, name or alias), metric (slug), the value
as written, source (key or id), the verbatim quote, and optionally the as-of period as
written, the publisher it is attributed to and a status. Each row is read by the same
functions as ``services.claim_prepare`` (``reading.read_value``, ``reading.read_period``),
so a value stored in bulk is stored exactly as one saved through the admin; references
are resolved from in-memory maps loaded once, and readings are memoised, because a large
file repeats its entities, sources and figures many times over.

A row's natural key (source, subject, metric, quote, value as written) makes an import
idempotent: a row already stored, or repeated in the file, adds nothing. Rows are stored
with COPY on PostgreSQL (ids drawn from the sequence first, so the history rows can be
copied too) and with multi-row INSERTs elsewhere. Every claim gets its creation record in
the history, with the file and line as the change reason. Detection then re-checks the
touched subject+metric groups in batches, never claim by claim.

A bad row raises ``RowError`` naming its line: with one transaction (the default) nothing is
left behind; with ``batch_size`` every batch before the bad row's is committed and the error
names the line to resume from.
"""

import datetime
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from itertools import islice

from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from simple_history.utils import bulk_create_with_history

from claims import detection
from claims.choices import ClaimStatus, ValueType
from claims.models import Claim, Entity, EntityAlias, Metric
from claims.models.entities import name_key
from claims.reading import read_period, read_value
from claims.selectors import entity_resolve
from sources.choices import DatePrecision
from sources.models import Publisher, Source
from sources.periods import period_end

FIELDS = ("subject", "metric", "value", "source", "quote", "as_of", "attributed_to", "status")
FIELD_SET = frozenset(FIELDS)
STATUSES = frozenset(ClaimStatus.values)
REQUIRED = ("subject", "metric", "value", "source", "quote")
CHUNK = 5000  # rows read, checked and written together
MEMO_LIMIT = 200_000  # readings kept before the memo starts afresh

NaturalKey = tuple[int, int, int, str, str]  # source, subject, metric, quote, value as written
Line = tuple[int, dict]  # a row and the line of the file it starts on


class RowError(Exception):
    """A row that cannot be imported, with its line; ``resume_from`` when batches were kept."""

    def __init__(self, line: int, message: str, *, resume_from: int | None = None):
        self.line, self.message, self.resume_from = line, message, resume_from
        super().__init__(f"line {line}: {message}")


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    created: int = 0
    present: int = 0
    last_line: int = 0
    committed_line: int = 0
    conflicts: detection.Summary = field(default_factory=detection.Summary)


def _cell(value) -> str:
    if value is None:
        return ""
    return value.strip() if isinstance(value, str) else str(value).strip()


def _year_of(day: datetime.date | None) -> datetime.date | None:
    """The reading context that matters: the reader takes only the year from a source's date,
    so all rows dated in one year share one memoised reading."""
    return None if day is None else datetime.date(day.year, 1, 1)


def _messages(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(f"{name}: {' '.join(m)}" for name, m in error.message_dict.items())
    return " ".join(error.messages)


class Catalogue:
    """The references rows make, resolved from maps loaded once per import."""

    def __init__(self):
        self.metrics = {metric.slug: metric for metric in Metric.objects.all()}
        self.publishers = dict(Publisher.objects.values_list("slug", "pk"))
        self.entity_slugs = dict(Entity.objects.values_list("slug", "pk"))
        self.entity_keys = dict(Entity.objects.values_list("key", "pk"))
        self.entity_keys |= {
            key: pk
            for key, pk in EntityAlias.objects.values_list("key", "entity_id")
            if key not in self.entity_keys
        }
        self.sources: dict[str, Source | None] = {}

    def entity_id(self, text: str) -> int | None:
        """The entity a slug, name or alias denotes, with ``entity_resolve``'s rules."""
        text = (text or "").strip()
        found = self.entity_slugs.get(text) or self.entity_keys.get(name_key(text))
        if found is None and text:
            # Keys fold case in the database; a name beyond ASCII is asked there.
            entity = entity_resolve(text)
            found = entity.pk if entity is not None else None
        return found

    def load_sources(self, refs: Iterable[str]) -> None:
        """Fetch the sources named by key or id that are not loaded yet, in two queries."""
        missing = {ref for ref in refs if ref not in self.sources}
        if not missing:
            return
        columns = ("pk", "key", "title", "published", "published_precision", "text")
        by_key = Source.objects.filter(key__in=missing).only(*columns)
        ids = [int(ref) for ref in missing if ref.isdigit()]
        by_id = Source.objects.filter(pk__in=ids).only(*columns) if ids else []
        for source in by_key:
            self.sources[source.key] = source
        for source in by_id:
            self.sources.setdefault(str(source.pk), source)
        for ref in missing:
            self.sources.setdefault(ref, None)


class RowReader:
    """Turns rows into the column values of new claims, refusing what the services refuse."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.values: dict[tuple, dict | ValidationError] = {}
        self.periods: dict[tuple, tuple | ValidationError] = {}

    def _memo(self, memo: dict, key: tuple, compute: Callable):
        if key not in memo:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            try:
                memo[key] = compute()
            except ValidationError as exc:
                memo[key] = exc
        found = memo[key]
        if isinstance(found, ValidationError):
            raise found
        return found

    def _value(self, metric: Metric, text: str, context: datetime.date | None) -> dict:
        # Only dates read differently in another year ("February 16" in a 2026 source).
        context = _year_of(context) if metric.value_type == ValueType.DATE else None
        return self._memo(
            self.values,
            (metric.pk, text, context),
            lambda: read_value(
                metric=metric, value_text=text, context=context, resolve_entity=self._entity
            ),
        )

    def _entity(self, text: str) -> Entity | None:
        pk = self.catalogue.entity_id(text)
        return Entity(pk=pk) if pk is not None else None

    def _as_of(self, text, source: Source) -> tuple:
        if text:
            context = _year_of(source.published)
            return self._memo(
                self.periods, (text, context), lambda: read_period(text, context=context)
            )
        if source.published is not None:
            start, precision = source.published, source.published_precision
            return start, period_end(start, precision), precision
        return None, None, DatePrecision.UNKNOWN

    def read(self, row: dict, line: int) -> dict:
        """The column values of the claim a row states; ``RowError`` says what is wrong."""
        if not FIELD_SET.issuperset(row):
            unknown = sorted(set(row) - FIELD_SET)
            raise RowError(
                line, f"unknown field {', '.join(unknown)}; the fields are {', '.join(FIELDS)}."
            )
        cells = {name: _cell(row.get(name)) for name in FIELDS}
        missing = [name for name in REQUIRED if not cells[name]]
        if missing:
            raise RowError(line, f"missing {', '.join(missing)}.")
        catalogue = self.catalogue
        subject_id = catalogue.entity_id(cells["subject"])
        if subject_id is None:
            raise RowError(
                line,
                f"subject: no entity has the slug, name or alias \u201c{cells['subject']}\u201d.",
            )
        metric = catalogue.metrics.get(cells["metric"])
        if metric is None:
            raise RowError(line, f"metric: no metric has the slug \u201c{cells['metric']}\u201d.")
        source = catalogue.sources.get(cells["source"])
        if source is None:
            raise RowError(
                line, f"source: no source has the key or id \u201c{cells['source']}\u201d."
            )
        attributed_to_id = None
        if cells["attributed_to"]:
            attributed_to_id = catalogue.publishers.get(cells["attributed_to"])
            if attributed_to_id is None:
                raise RowError(
                    line,
                    f"attributed_to: no publisher has the slug \u201c{cells['attributed_to']}\u201d.",
                )
        status = cells["status"] or ClaimStatus.PROPOSED
        if status not in STATUSES:
            raise RowError(
                line,
                f"status must be one of {', '.join(ClaimStatus.values)}; got \u201c{status}\u201d.",
            )
        value_text, quote = cells["value"], str(row["quote"])
        if len(value_text) > 300:
            raise RowError(line, "value: at most 300 characters.")
        quote_offset = None
        if source.text:
            quote_offset = source.text.find(quote)
            if quote_offset < 0:
                raise RowError(
                    line,
                    f"quote: not found verbatim in the text of \u201c{source.title}\u201d.",
                )
        try:
            value = self._value(metric, value_text, source.published)
            as_of_start, as_of_end, as_of_precision = self._as_of(cells["as_of"], source)
        except ValidationError as exc:
            raise RowError(line, _messages(exc)) from exc
        if len(value["text_value"]) > 500:
            raise RowError(line, "value: a text value has at most 500 characters.")
        fields = {name: v for name, v in value.items() if name != "entity_value"}
        entity_value = value["entity_value"]
        return fields | {
            "subject_id": subject_id,
            "metric_id": metric.pk,
            "source_id": source.pk,
            "value_text": value_text,
            "entity_value_id": entity_value.pk if entity_value is not None else None,
            "quote": quote,
            "quote_offset": quote_offset,
            "attributed_to_id": attributed_to_id,
            "as_of_start": as_of_start,
            "as_of_end": as_of_end,
            "as_of_precision": as_of_precision,
            "status": status,
        }


def natural_key(fields: dict) -> NaturalKey:
    """What makes a row the same claim as one already stored."""
    return (
        fields["source_id"],
        fields["subject_id"],
        fields["metric_id"],
        fields["quote"],
        fields["value_text"],
    )


def _stored_keys(groups: set[tuple[int, int]]) -> set[NaturalKey]:
    """Natural keys of the claims already stored in ``groups``, a few queries per chunk."""
    columns = ("source_id", "subject_id", "metric_id", "quote", "value_text")
    ordered, keys = sorted(groups), set()
    for start in range(0, len(ordered), 2000):  # 4,000 parameters a query at most
        chunk = detection.InGroups(ordered[start : start + 2000])
        keys.update(Claim.objects.filter(chunk).values_list(*columns))
    return keys


def copy_with_history(
    model, rows: list[dict], *, reasons: list[str | None], user=None
) -> list[int]:
    """Insert ``rows`` (attname: value) of ``model`` with COPY, and their creation records.

    PostgreSQL only. Ids are drawn from the table's sequence first, so the history rows,
    the same ones ``bulk_create_with_history`` writes, can be copied too. Fields a row
    leaves out take their defaults; auto_now fields take the time of the call.
    """
    now = timezone.now()
    fields = [f for f in model._meta.concrete_fields if not f.generated]
    history = model.history.model
    history_fields = [f.attname for f in history._meta.concrete_fields if f.attname != "history_id"]
    filled = {f.attname: f.get_default() for f in fields if f.attname != "id"}
    # Stamped after the row's own values: unsaved instances carry None there until saved.
    stamps = {
        f.attname: now
        for f in fields
        if getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False)
    }
    table, history_table = model._meta.db_table, history._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [table, len(rows)],
        )
        ids = [pk for (pk,) in cursor.fetchall()]
        records = [filled | row | stamps | {"id": pk} for pk, row in zip(ids, rows, strict=True)]
        raw = cursor.cursor  # psycopg's own cursor: Django's wrapper has no copy()
        columns = [f.attname for f in fields]
        with raw.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy:
            for record in records:
                copy.write_row([record[name] for name in columns])
        stamp = {
            "history_date": now,
            "history_type": "+",
            "history_user_id": getattr(user, "pk", None),
        }
        with raw.copy(f"COPY {history_table} ({', '.join(history_fields)}) FROM STDIN") as copy:
            for record, reason in zip(records, reasons, strict=True):
                record |= stamp
                record["history_change_reason"] = reason
                copy.write_row([record[name] for name in history_fields])
    return ids


class ClaimStore:
    """Writes new claims and their creation records in the history."""

    def __init__(self, *, reason: str):
        self.reason = reason

    def insert(self, rows: list[tuple[int, dict]]) -> None:
        """Store ``rows`` (line, column values); PostgreSQL copies, others insert in bulk."""
        reasons = [f"{self.reason}, line {line}" for line, _ in rows]
        if connection.vendor == "postgresql":
            copy_with_history(Claim, [fields for _, fields in rows], reasons=reasons)
            return
        claims = []
        for (_, fields), reason in zip(rows, reasons, strict=True):
            claim = Claim(**fields)
            claim._change_reason = reason
            claims.append(claim)
        bulk_create_with_history(claims, Claim, batch_size=500)


def _chunks(rows: Iterable[Line], size: int) -> Iterator[list[Line]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


class Importer:
    """Reads, stores and checks rows; see ``claims_import``."""

    def __init__(self, *, reason: str, progress: Callable[[int], None] | None):
        self.catalogue = Catalogue()
        self.reader = RowReader(self.catalogue)
        self.store = ClaimStore(reason=reason)
        self.progress = progress
        self.report = ImportReport()

    def rows(self, chunk: list[Line]) -> set[tuple[int, int]]:
        """Read and store one chunk of rows; returns the groups it added claims to."""
        self.catalogue.load_sources(
            str(row.get("source") or "").strip() for _, row in chunk if isinstance(row, dict)
        )
        read = [(line, self.reader.read(row, line)) for line, row in chunk]
        groups = {(fields["subject_id"], fields["metric_id"]) for _, fields in read}
        # Earlier chunks are in the database already (in this transaction), so a row repeated
        # anywhere in the file is caught here without keeping every key in memory.
        stored = _stored_keys(groups)
        new = []
        for line, fields in read:
            key = natural_key(fields)
            if key in stored:
                self.report.present += 1
                continue
            stored.add(key)
            new.append((line, fields))
        if new:
            try:
                with transaction.atomic():
                    self.store.insert(new)
            except DatabaseError as exc:
                first, last = new[0][0], new[-1][0]
                raise RowError(
                    first, f"the database refused a row of lines {first}–{last}: {exc}"
                ) from exc
        self.report.rows += len(chunk)
        self.report.created += len(new)
        self.report.last_line = chunk[-1][0]
        if self.progress is not None:
            self.progress(len(chunk))
        return {(fields["subject_id"], fields["metric_id"]) for _, fields in new}

    def detect(self, groups: set[tuple[int, int]]) -> None:
        """Re-check the groups new claims joined, in batches."""
        if groups:
            self.report.conflicts.add(detection.rescan(groups=groups))


def claims_import(
    rows: Iterable[Line],
    *,
    reason: str,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> ImportReport:
    """Import claims from (line, row) pairs; see the module's docstring for the guarantees."""
    importer = Importer(reason=reason, progress=progress)
    if batch_size is None:
        with transaction.atomic():
            touched: set[tuple[int, int]] = set()
            for chunk in _chunks(rows, CHUNK):
                touched |= importer.rows(chunk)
            importer.detect(touched)
        return importer.report
    for batch in _chunks(rows, batch_size):
        try:
            with transaction.atomic():
                touched = set()
                for chunk in _chunks(batch, CHUNK):
                    touched |= importer.rows(chunk)
                importer.detect(touched)
        except RowError as exc:
            exc.resume_from = batch[0][0]
            raise
        importer.report.committed_line = batch[-1][0]
    return importer.report
