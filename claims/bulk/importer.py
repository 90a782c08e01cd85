"""The import itself: chunks read (``parallel``), checked against what is stored, written
(``store``) and the touched groups re-checked, in one transaction or a batch at a time."""

from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import DatabaseError, connection, transaction

from claims import detection, events
from claims.bulk.parallel import Chunk, Items, Reading, default_workers, read_chunk
from claims.bulk.rows import KEY_LENGTH, Catalogue, Line, NaturalKey, RowError, RowReader
from claims.bulk.store import claim_store
from claims.models import Claim, Contradiction
from qwenkb.collector import collector_paused
from qwenkb.copying import indexes_built_after

CHUNK = 5000  # rows read, checked and written together
# The index the import reads while it writes: the claims already stored in a group
# (``_stored_keys``). A first load keeps it and builds the claims' other indexes after.
GROUP_INDEX = next(i.name for i in Claim._meta.indexes if i.fields == ["subject", "metric"])


@dataclass
class ImportReport:
    """What an import did."""

    rows: int = 0
    created: int = 0
    present: int = 0
    last_line: int = 0
    committed_line: int = 0
    conflicts: detection.Summary = field(default_factory=detection.Summary)


def _stored_keys(groups: set[tuple[int, int]]) -> set[NaturalKey]:
    """Natural keys of the claims already stored in ``groups``, a few queries per chunk."""
    columns = ("source_id", "subject_id", "metric_id", "quote", "value_text")
    ordered, keys = sorted(groups), set[NaturalKey]()
    if not ordered:
        return keys
    for start in range(0, len(ordered), 2000):  # 4,000 parameters a query at most
        chunk = detection.InGroups(ordered[start : start + 2000])
        keys.update(Claim.objects.filter(chunk).values_list(*columns))
    return keys


class Importer:
    """Checks read chunks against what is stored, stores them and re-checks their groups."""

    def __init__(self, *, reason: str, progress: Callable[[int], None] | None):
        self.catalogue = Catalogue()
        self.reader = RowReader(self.catalogue)
        self.store = claim_store(reason=reason)
        self.progress = progress
        self.report = ImportReport()
        # Groups that may hold a stored claim: those that had one when the import began, and
        # those it has added to. Only they are looked up for the claims already there.
        self.filled = set(
            Claim.objects.order_by().values_list("subject_id", "metric_id").distinct()
        )
        # No claim was stored when the import began: in one transaction, every group is then
        # one the import filled (``first_load``, ``detect``).
        self.empty_at_start = not self.filled
        # The ids of the claims added and records opened in the current transaction, for the
        # events they cause (``claims.events``); the claims' only if someone wants those.
        self.announces = events.import_announces()
        self.added = array("q")
        self.opened: list[int] = []

    def rows(self, chunk: list[Line], items: Items, error) -> set[tuple[int, int]]:
        """Store one read chunk; returns the groups it added claims to."""
        lines: list[int] = []
        heads: list[tuple] = []
        rows: list[Any] = []  # encoded for the store in use: bytes or tuples
        for (line, row), item in zip(chunk, items, strict=False):
            if item is None:  # a row only this process can read: it has the database
                done, late = read_chunk(self.reader, [(line, row)], self.store.encode)
                if late is not None:
                    raise RowError(*late)
                item = done[0]
            lines.append(line)
            heads.append(item[0])
            rows.append(item[1])
        if error is not None:
            raise RowError(*error)
        # Earlier chunks are in the database already (in this transaction), so a row repeated
        # anywhere in the file is caught here without keeping every key in memory.
        groups = {(head[1], head[2]) for head in heads}
        stored = _stored_keys(groups & self.filled)
        new_lines: list[int] = []
        new_heads: list[tuple] = []
        new_rows: list[Any] = []
        for line, head, row in zip(lines, heads, rows, strict=True):
            key = head[:KEY_LENGTH]
            if key in stored:
                continue
            stored.add(key)
            new_lines.append(line)
            new_heads.append(head)
            new_rows.append(row)
        if new_rows:
            try:
                with transaction.atomic():
                    ids = self.store.insert(new_lines, new_heads, new_rows)
            except DatabaseError as exc:
                first, last = new_lines[0], new_lines[-1]
                raise RowError(
                    first, f"the database refused a row of lines {first}–{last}: {exc}"
                ) from exc
            if self.announces:
                self.added.extend(ids)
        self.report.rows += len(chunk)
        self.report.created += len(new_rows)
        self.report.present += len(rows) - len(new_rows)
        self.report.last_line = chunk[-1][0]
        if self.progress is not None:
            self.progress(len(chunk))
        added = {(head[1], head[2]) for head in new_heads}
        self.filled |= added
        return added

    @contextmanager
    def first_load(self) -> Iterator[bool]:
        """Storing every row of an import into an empty knowledge base, in one transaction,
        on PostgreSQL: the claims' and their history's indexes but ``GROUP_INDEX`` are built
        after the rows instead of updated row by row (``copying.indexes_built_after``; about
        a quarter of a million-row import). Readers of claims wait for such an import to
        commit. Any other import writes through the indexes."""
        if connection.vendor != "postgresql" or not self.empty_at_start:
            yield False
            return
        tables = [Claim._meta.db_table, Claim.history.model._meta.db_table]
        with (
            connection.cursor() as cursor,
            indexes_built_after(cursor, tables, [GROUP_INDEX]) as built,
        ):
            yield built

    def statistics(self) -> None:
        """After a load into an empty knowledge base, on PostgreSQL: the planner's statistics
        of the claims and contradictions gathered (``ANALYZE``), in the load's transaction
        (after the last batch, in batches). Until then PostgreSQL plans for them as they were,
        empty, and autovacuum may be off or minutes away: at a million claims a search of their
        text planned so took 1.2 s instead of 12 ms (bench/notes.md). About 0.9 s at that size
        (the whole database: 2-3 s); the other tables the load writes are read by their keys.
        """
        if connection.vendor == "postgresql" and self.empty_at_start:
            tables = ", ".join(model._meta.db_table for model in (Claim, Contradiction))
            with connection.cursor() as cursor:
                cursor.execute(f"ANALYZE {tables}")

    def detect(self, groups: set[tuple[int, int]], *, every_group: bool = False) -> None:
        """Re-check the groups new claims joined, in batches (the rescan announces the records
        it opens), then announce the claims added, when this transaction commits.

        ``every_group``: the groups are all there are (an import into an empty knowledge base,
        in one transaction), so the rescan finds them in one pass over the claims rather than
        a pass for each slice of the groups' subjects (21 s → 8 s at a million claims). A
        group another writer filled meanwhile is re-checked too, which changes only what is
        wrong in it."""
        if groups:
            summary = detection.rescan(groups=None if every_group else groups)
            self.report.conflicts.add(summary)
            self.opened += summary.opened_ids
        events.claims_imported(self.added, self.opened)
        self.added, self.opened = array("q"), []


def _chunks(rows: Iterable[Line], batch_size: int | None) -> Iterator[Chunk]:
    """Chunks of rows, none across two batches; a chunk that fills a batch says so. When the
    input itself fails (invalid JSON at line N), the rows before it come first."""
    iterator = iter(rows)
    left = batch_size
    while True:
        chunk: list[Line] = []
        try:
            chunk.extend(islice(iterator, CHUNK if left is None else min(CHUNK, left)))
        except RowError:
            if chunk:
                yield chunk, False
            raise
        if not chunk:
            return
        if left is not None:
            left -= len(chunk)
            if left == 0:
                left = batch_size
                yield chunk, True
                continue
        yield chunk, False


@collector_paused()
def claims_import(
    rows: Iterable[Line],
    *,
    reason: str,
    batch_size: int | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int | None = None,
) -> ImportReport:
    """Import claims from (line, row) pairs; see the package's docstring for the guarantees.

    ``workers`` processes read the rows of a large file (default: one per core but one; 0
    reads in this process); the result is the same either way.
    """
    importer = Importer(reason=reason, progress=progress)
    workers = default_workers() if workers is None else workers
    with Reading(importer.reader, encode=importer.store.encode, workers=workers) as reading:
        chunks = reading.chunks(_chunks(rows, batch_size))
        if batch_size is None:
            with transaction.atomic():
                importer.store.begin()
                touched: set[tuple[int, int]] = set()
                with importer.first_load():
                    for chunk, _ends, items, error in chunks:
                        touched |= importer.rows(chunk, items, error)
                importer.detect(touched, every_group=importer.empty_at_start)
                importer.statistics()
            return importer.report
        more = True
        while more:
            more, first, last = False, None, None
            try:
                with transaction.atomic():
                    importer.store.begin()
                    touched = set()
                    for chunk, ends, items, error in chunks:
                        first = chunk[0][0] if first is None else first
                        touched |= importer.rows(chunk, items, error)
                        last = chunk[-1][0]
                        if ends:
                            more = True
                            break
                    importer.detect(touched)
            except RowError as exc:
                # Rows of this batch before the bad one were not kept; an error of the input
                # itself may come before the batch's first row.
                exc.resume_from = first if first is not None else exc.line
                raise
            if last is not None:
                importer.report.committed_line = last
    importer.statistics()
    return importer.report
