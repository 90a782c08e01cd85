"""Reading chunks of rows, in worker processes once a file proves large.

Reading is pure Python and rows are independent, so chunks are dealt round-robin to forked
workers and their results taken back in the same order: what is stored, and the first bad
row reported, are exactly those of reading in one process. Each worker starts with a copy of
the catalogue and memos and gets, with each chunk, the sources it has not seen. A worker never
touches the database: a reference only the database can resolve (a name beyond ASCII) comes
back unread and the parent reads that row itself. An error of the input itself (invalid JSON
at line N) is raised only after every chunk before it, whose own errors come first.
"""

import multiprocessing
import os
import queue
import sys
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from operator import itemgetter

from django.db import connections

from claims.bulk.rows import Line, NeedsDatabase, RowError, RowReader, source_refs
from claims.bulk.store import HEAD_INDEXES

PARALLEL_FROM = 20_000  # rows read in the parent before the workers start
DEPTH = 2  # chunks in flight per worker

Chunk = tuple[list[Line], bool]  # rows, and whether they end a batch
Items = list[tuple[tuple, object] | None]  # (head, row) per row read; None: read it in the parent
Read = tuple[list[Line], bool, Items, tuple[int, str] | None]

_head = itemgetter(*HEAD_INDEXES)


def read_chunk(reader: RowReader, chunk: list[Line], encode: Callable | None):
    """(head, row) for each row up to the first bad one, and that one's (line, message); the
    row as ``encode`` writes it, or its columns when there is no ``encode``."""
    items: Items = []
    append = items.append
    for line, row in chunk:
        try:
            values = reader.read(row, line)
            append((_head(values), values if encode is None else encode(values)))
        except NeedsDatabase:
            append(None)
        except RowError as exc:
            return items, (exc.line, exc.message)
        except UnicodeEncodeError as exc:
            return items, (line, f"text that cannot be stored: {exc.reason}.")
    return items, None


def prefetched(rows: Iterable, *, size: int = 1000, depth: int = 8) -> Iterator:
    """``rows``, consumed ahead in a thread: parsing a file then overlaps the waits for the
    database. ``rows`` must not use the database. An error of ``rows`` is raised in order,
    after every row before it."""
    ahead: queue.Queue = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item) -> bool:
        while not stop.is_set():
            try:
                ahead.put(item, timeout=0.5)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        batch: list = []
        try:
            for row in rows:
                batch.append(row)
                if len(batch) >= size:
                    if not put((batch, None)):
                        return
                    batch = []
            put((batch, StopIteration()))
        except BaseException as exc:  # raised to the consumer, in order
            put((batch, exc))

    thread = threading.Thread(target=produce, name="import-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            batch, end = ahead.get()
            yield from batch
            if isinstance(end, StopIteration):
                return
            if end is not None:
                raise end
    finally:
        stop.set()


def default_workers() -> int:
    """One worker per core but one, at most four: the parent and PostgreSQL need a core too
    (on two cores, one worker read a million rows as fast as two, in 100 MB less)."""
    return max(1, min(len(os.sched_getaffinity(0)) - 1, 4))


def _refuse(*args, **kwargs):
    raise RuntimeError("a reading process must not use the database")


def _work(reader: RowReader, encode: Callable | None, tasks, results) -> None:
    # The parent's connection stays open in the parent: keep it referenced, never closed, and
    # refuse any use of the database here.
    kept = []
    for conn in connections.all(initialized_only=True):
        kept.append(conn.connection)
        conn.connection = None
        conn.ensure_connection = _refuse  # type: ignore[method-assign]  # must never connect
    # Forked while the parent's prefetch thread may be writing the progress bar: standard
    # streams of our own, so that no lock held by that thread at the fork is waited for here.
    sys.stdout = open(1, "w", closefd=False)  # noqa: SIM115
    sys.stderr = open(2, "w", closefd=False)  # noqa: SIM115
    reader.catalogue.database = False
    while (task := tasks.get()) is not None:
        sources, chunk = task
        reader.catalogue.sources.update(sources)
        try:
            results.put(("ok", read_chunk(reader, chunk, encode)))
        except BaseException:
            results.put(("crash", traceback.format_exc()))
            return


class Reading:
    """Chunks read in order: in this process first, then by ``workers`` processes."""

    def __init__(self, reader: RowReader, *, encode: Callable | None, workers: int):
        self.reader, self.encode, self.count = reader, encode, workers
        self.processes: list = []
        self.tasks: list = []
        self.results: list = []
        self.sent: list[set[str]] = []
        self.pending: deque[tuple[list[Line], bool, int]] = deque()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info) -> None:
        self.close()

    def chunks(self, chunks: Iterator[Chunk]) -> Iterator[Read]:
        """(rows, ends batch, items, error) for each chunk, in order."""
        seen = 0
        for chunk, ends in chunks:
            self.reader.catalogue.load_sources(source_refs(chunk))
            yield chunk, ends, *read_chunk(self.reader, chunk, self.encode)
            seen += len(chunk)
            if self.count > 0 and seen >= PARALLEL_FROM:
                break
        else:
            return
        yield from self._parallel(chunks)

    def _start(self) -> None:
        context = multiprocessing.get_context("fork")
        loaded = set(self.reader.catalogue.sources)
        for _ in range(self.count):
            tasks, results = context.Queue(), context.Queue()
            process = context.Process(
                target=_work, args=(self.reader, self.encode, tasks, results), daemon=True
            )
            process.start()
            self.processes.append(process)
            self.tasks.append(tasks)
            self.results.append(results)
            self.sent.append(set(loaded))

    def _send(self, worker: int, chunk: list[Line]) -> None:
        catalogue = self.reader.catalogue
        refs = source_refs(chunk)
        catalogue.load_sources(refs)
        sent = self.sent[worker]
        new = {ref: catalogue.sources[ref] for ref in refs if ref not in sent}
        sent.update(new)
        self.tasks[worker].put((new, chunk))

    def _receive(self, worker: int):
        while True:
            try:
                kind, result = self.results[worker].get(timeout=1)
            except queue.Empty:
                if not self.processes[worker].is_alive():
                    raise RuntimeError("a reading process stopped unexpectedly") from None
                continue
            if kind == "crash":
                raise RuntimeError(f"a reading process failed:\n{result}")
            return result

    def _parallel(self, chunks: Iterator[Chunk]) -> Iterator[Read]:
        self._start()
        pending = self.pending
        failure, turn, more = None, 0, True
        while True:
            while more and len(pending) < DEPTH * self.count:
                try:
                    chunk, ends = next(chunks)
                except StopIteration:
                    more = False
                    break
                except RowError as exc:  # raised once the chunks before it are through
                    failure, more = exc, False
                    break
                worker, turn = turn, (turn + 1) % self.count
                self._send(worker, chunk)
                pending.append((chunk, ends, worker))
            if not pending:
                break
            chunk, ends, worker = pending.popleft()
            yield chunk, ends, *self._receive(worker)
        if failure is not None:
            raise failure

    def close(self) -> None:
        """Stop the workers (at once when they still have work)."""
        for tasks in self.tasks:
            tasks.put(None)
        for process in self.processes:
            process.join(timeout=0 if self.pending else 5)
            if process.is_alive():
                process.terminate()
                process.join()
        for channel in (*self.tasks, *self.results):
            channel.cancel_join_thread()
            channel.close()
        self.processes, self.tasks, self.results, self.sent = [], [], [], []
        self.pending.clear()
