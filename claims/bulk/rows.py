"""Reading import rows: the services' reading and checks, a row at a time, into plain tuples.

A row is read by the same functions as ``services.claim_prepare`` (``reading.read_value``,
``reading.read_period``), so a value stored in bulk is stored exactly as one saved through the
admin. References are resolved from in-memory maps loaded once, and readings are memoised,
because a large file repeats its entities, sources and figures many times over. Reading needs
no database except for the rare name beyond ASCII (see ``Catalogue.entity_id``), which is what
lets worker processes read rows (``claims.bulk.parallel``).
"""

import datetime
from collections.abc import Callable, Iterable
from typing import NamedTuple

from django.core.exceptions import ValidationError

from claims.choices import ClaimStatus, ValueType
from claims.models import Entity, EntityAlias, Metric
from claims.models.entities import name_key
from claims.reading import as_of_agreed, read_as_of_text, read_period, read_value
from claims.selectors import entity_resolve
from claims.values.claim_value import COLUMNS as VALUE_COLUMNS
from claims.values.quotes import quote_problem
from sources.choices import DatePrecision
from sources.documents import plain_newlines
from sources.models import Publisher, Source
from sources.periods import period_end

FIELDS = (
    "subject",
    "metric",
    "value",
    "source",
    "quote",
    "as_of",
    "as_of_text",
    "attributed_to",
    "status",
)
FIELD_SET = frozenset(FIELDS)
STATUSES = frozenset(ClaimStatus.values)
REQUIRED = ("subject", "metric", "value", "source", "quote")
MEMO_LIMIT = 200_000  # readings kept before the memo starts afresh

# ``VALUE_COLUMNS``: the value fields ``read_value`` fills, in their order (the entity as its id).
# The claim columns a row gives, in the order of the tuples ``RowReader.read`` returns; the
# first five are the natural key: a row already stored, or repeated in the file, adds nothing.
COLUMNS = (
    "source_id",
    "subject_id",
    "metric_id",
    "quote",
    "value_text",
    *VALUE_COLUMNS,
    "quote_offset",
    "attributed_to_id",
    "as_of_start",
    "as_of_end",
    "as_of_precision",
    "status",
)
KEY_LENGTH = 5
SUBJECT, METRIC = COLUMNS.index("subject_id"), COLUMNS.index("metric_id")
TEXT_IN_VALUE = VALUE_COLUMNS.index("text_value")

NaturalKey = tuple[int, int, int, str, str]  # source, subject, metric, quote, value as written
Line = tuple[int, dict]  # a row and the line of the file it starts on


class RowError(Exception):
    """A row that cannot be imported, with its line; ``resume_from`` when batches were kept."""

    def __init__(self, line: int, message: str, *, resume_from: int | None = None):
        self.line, self.message, self.resume_from = line, message, resume_from
        super().__init__(f"line {line}: {message}")


class NeedsDatabase(Exception):
    """Raised by a catalogue without a database when a reference can only be resolved there."""


class SourceInfo(NamedTuple):
    """What reading a row needs of its source."""

    pk: int
    key: str
    title: str
    published: datetime.date | None
    published_precision: str
    text: str


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


def _refuse_nul(row: dict, line: int) -> None:
    """PostgreSQL's text cannot hold a NUL: refused here, with the line, not by COPY."""
    for name in FIELDS:
        if isinstance(row.get(name), str) and "\x00" in row[name]:
            raise RowError(line, f"{name}: contains a NUL character, which cannot be stored.")


def source_refs(chunk: list[Line]) -> set[str]:
    """The source keys or ids the rows of a chunk name."""
    return {str(row.get("source") or "").strip() for _, row in chunk if isinstance(row, dict)}


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
        self.sources: dict[str, SourceInfo | None] = {}
        self.database = True  # False in a worker process: see ``entity_id``

    def entity_id(self, text: str) -> int | None:
        """The entity a slug, name or alias denotes, with ``entity_resolve``'s rules."""
        text = (text or "").strip()
        found = self.entity_slugs.get(text) or self.entity_keys.get(name_key(text))
        if found is None and text:
            # Keys fold case in the database; a name beyond ASCII is asked there.
            if not self.database:
                raise NeedsDatabase(text)
            entity = entity_resolve(text)
            found = entity.pk if entity is not None else None
        return found

    def load_sources(self, refs: Iterable[str]) -> dict[str, SourceInfo | None]:
        """Fetch the sources named by key or id that are not loaded yet, in two queries;
        returns those newly loaded (None for a reference that names no source)."""
        missing = {ref for ref in refs if ref not in self.sources}
        if not missing:
            return {}
        columns = ("pk", "key", "title", "published", "published_precision", "text")
        found: dict[str, SourceInfo | None] = {}
        for info in Source.objects.filter(key__in=missing).values_list(*columns):
            found[info[1]] = SourceInfo(*info)
        ids = [int(ref) for ref in missing if ref.isdigit()]
        if ids:
            for info in Source.objects.filter(pk__in=ids).values_list(*columns):
                found.setdefault(str(info[0]), SourceInfo(*info))
        loaded = {ref: found.get(ref) for ref in missing}
        self.sources |= loaded
        return loaded


class RowReader:
    """Turns rows into the column values of new claims, refusing what the services refuse."""

    def __init__(self, catalogue: Catalogue):
        self.catalogue = catalogue
        self.values: dict[tuple, tuple | ValidationError] = {}
        self.periods: dict[tuple, tuple | ValidationError] = {}
        self.phrases: dict[tuple, tuple | ValidationError] = {}

    def _memo(self, memo: dict, key: tuple, compute: Callable):
        found = memo.get(key)
        if found is None:
            if len(memo) >= MEMO_LIMIT:
                memo.clear()
            try:
                found = compute()
            except ValidationError as exc:
                found = exc
            memo[key] = found
        if isinstance(found, ValidationError):
            raise found
        return found

    def _read_value(self, metric: Metric, text: str, context: datetime.date | None) -> tuple:
        fields = read_value(
            metric=metric, value_text=text, context=context, resolve_entity=self._entity
        )
        entity = fields["entity_value"]
        fields["entity_value"] = entity.pk if entity is not None else None
        return tuple(fields.values())

    def _value(self, metric: Metric, text: str, context: datetime.date | None) -> tuple:
        # Only dates read differently in another year ("February 16" in a 2026 source).
        context = _year_of(context) if metric.value_type == ValueType.DATE else None
        return self._memo(
            self.values,
            (metric.pk, text, context),
            lambda: self._read_value(metric, text, context),
        )

    def _entity(self, text: str) -> Entity | None:
        pk = self.catalogue.entity_id(text)
        return Entity(pk=pk) if pk is not None else None

    def _as_of(self, text: str, phrase: str, source: SourceInfo) -> tuple:
        """The as-of period of a row: ``as_of_text`` read against the source's date as the
        services read it (agreeing with ``as_of`` when both are given), else ``as_of``, else
        the source's date."""
        if phrase:
            key = (phrase, source.published, source.published_precision)
            read = self._memo(self.phrases, key, lambda: read_as_of_text(phrase, source=source))
            return as_of_agreed(phrase, read, self._period(text, source) if text else None)
        if text:
            return self._period(text, source)
        if source.published is not None:
            start, precision = source.published, source.published_precision
            return start, period_end(start, precision), precision
        return None, None, DatePrecision.UNKNOWN

    def _period(self, text: str, source: SourceInfo) -> tuple:
        context = _year_of(source.published)
        return self._memo(self.periods, (text, context), lambda: read_period(text, context=context))

    def _references(self, line: int, subject: str, metric_slug: str, source_ref: str) -> tuple:
        """The subject's id, the metric and the source a row names; ``RowError`` if unknown."""
        catalogue = self.catalogue
        subject_id = catalogue.entity_id(subject)
        if subject_id is None:
            raise RowError(
                line, f"subject: no entity has the slug, name or alias \u201c{subject}\u201d."
            )
        metric = catalogue.metrics.get(metric_slug)
        if metric is None:
            raise RowError(line, f"metric: no metric has the slug \u201c{metric_slug}\u201d.")
        source = catalogue.sources.get(source_ref)
        if source is None:
            raise RowError(line, f"source: no source has the key or id \u201c{source_ref}\u201d.")
        return subject_id, metric, source

    def read(self, row: dict, line: int) -> tuple:
        """The claim columns (``COLUMNS``) a row states; ``RowError`` says what is wrong."""
        if not FIELD_SET.issuperset(row):
            unknown = sorted(set(row) - FIELD_SET)
            raise RowError(
                line, f"unknown field {', '.join(unknown)}; the fields are {', '.join(FIELDS)}."
            )
        _refuse_nul(row, line)
        get = row.get
        (
            subject,
            metric_slug,
            value_text,
            source_ref,
            quote_cell,
            as_of,
            as_of_text,
            attributed,
            status,
        ) = (_cell(get(name)) for name in FIELDS)
        if not (subject and metric_slug and value_text and source_ref and quote_cell):
            cells = (subject, metric_slug, value_text, source_ref, quote_cell)
            missing = [name for name, cell in zip(REQUIRED, cells, strict=True) if not cell]
            raise RowError(line, f"missing {', '.join(missing)}.")
        subject_id, metric, source = self._references(line, subject, metric_slug, source_ref)
        attributed_to_id = None
        if attributed:
            attributed_to_id = self.catalogue.publishers.get(attributed)
            if attributed_to_id is None:
                raise RowError(
                    line, f"attributed_to: no publisher has the slug \u201c{attributed}\u201d."
                )
        status = status or ClaimStatus.PROPOSED
        if status not in STATUSES:
            raise RowError(
                line,
                f"status must be one of {', '.join(ClaimStatus.values)}; got \u201c{status}\u201d.",
            )
        quote = plain_newlines(str(row["quote"]))
        if len(value_text) > 300:
            raise RowError(line, "value: at most 300 characters.")
        quote_offset = None
        if source.text:
            quote_offset = source.text.find(quote)
            if quote_offset < 0:
                raise RowError(
                    line, f"quote: not found verbatim in the text of \u201c{source.title}\u201d."
                )
        problem = quote_problem(value_text, quote, metric.value_type)
        if problem:
            raise RowError(line, f"quote: {problem}")
        try:
            value = self._value(metric, value_text, source.published)
            as_of_start, as_of_end, as_of_precision = self._as_of(as_of, as_of_text, source)
        except ValidationError as exc:
            raise RowError(line, _messages(exc)) from exc
        if len(value[TEXT_IN_VALUE]) > 500:
            raise RowError(line, "value: a text value has at most 500 characters.")
        return (
            source.pk,
            subject_id,
            metric.pk,
            quote,
            value_text,
            *value,
            quote_offset,
            attributed_to_id,
            as_of_start,
            as_of_end,
            as_of_precision,
            status,
        )
