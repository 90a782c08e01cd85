"""Import claims from a JSON Lines or CSV file, streaming it, with a progress bar.

One claim a row; the fields are those of ``claims.bulk.FIELDS``. The file is read a line at
a time and never held in memory; ``claims.bulk`` reads, checks, stores and re-checks the
touched groups in batches.
"""

import csv
import json
import os
from collections.abc import Iterator
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import IntegrityError
from tqdm import tqdm

from claims import bulk
from qwenkb.outage import stops_command


def _lines(handle, progress) -> Iterator[str]:
    """Decoded lines of a binary file (a leading byte-order mark dropped), counting bytes read."""
    for number, raw in enumerate(handle, start=1):
        if progress is not None:
            progress.update(len(raw))
        try:
            yield raw.decode("utf-8-sig" if number == 1 else "utf-8")
        except UnicodeDecodeError as exc:
            raise bulk.RowError(number, f"not UTF-8 text: {exc.reason}.") from exc


def jsonl_rows(handle, progress=None) -> Iterator[bulk.Line]:
    """(line, row) pairs of a JSON Lines file; blank lines are skipped."""
    for number, text in enumerate(_lines(handle, progress), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except ValueError as exc:
            raise bulk.RowError(number, f"not valid JSON: {exc}.") from exc
        if not isinstance(row, dict):
            raise bulk.RowError(number, "expected a JSON object of fields.")
        yield number, row


def csv_rows(handle, progress=None) -> Iterator[bulk.Line]:
    """(line, row) pairs of a CSV file with a header row; a row is named by its first line."""
    reader = csv.reader(_lines(handle, progress))
    try:
        header = [name.strip() for name in next(reader)]
    except StopIteration:
        return
    except csv.Error as exc:
        raise bulk.RowError(1, f"cannot read the header: {exc}.") from exc
    unknown = sorted(set(header) - set(bulk.FIELDS))
    if unknown:
        raise bulk.RowError(
            1, f"unknown column {', '.join(unknown)}; the columns are {', '.join(bulk.FIELDS)}."
        )
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise bulk.RowError(start, f"not valid CSV: {exc}.") from exc
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(header):
            raise bulk.RowError(
                start, f"{len(cells)} cells where the header has {len(header)} columns."
            )
        yield start, {name: cell for name, cell in zip(header, cells, strict=True) if cell != ""}


READERS = {"jsonl": jsonl_rows, "csv": csv_rows}
SUFFIXES = {".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl", ".csv": "csv"}


class Command(BaseCommand):
    help = (
        "Import claims from JSON Lines or CSV (subject, metric, value, source, quote, and "
        "optionally as_of or as_of_text, attributed_to, status). Atomic by default; idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path)
        parser.add_argument("--format", choices=sorted(READERS), help="Default: by extension.")
        parser.add_argument(
            "--batch-size",
            type=int,
            help="Commit every N rows; a bad row then keeps the batches before it.",
        )
        parser.add_argument(
            "--resume-from", type=int, default=1, metavar="LINE", help="Skip rows before LINE."
        )
        parser.add_argument(
            "--workers",
            type=int,
            metavar="N",
            help="Processes reading rows of a large file (default: one per core but one; 0: none).",
        )
        parser.add_argument("--no-progress", action="store_true", help="No progress bar.")

    def handle(
        self, *args, file: Path, format, batch_size, resume_from, workers, no_progress, **options
    ):
        if batch_size is not None and batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        if workers is not None and workers < 0:
            raise CommandError("--workers must be at least 0.")
        fmt = format or SUFFIXES.get(file.suffix.lower())
        if fmt is None:
            raise CommandError(f"{file}: say --format jsonl or --format csv.")
        try:
            handle = file.open("rb")
        except OSError as exc:
            raise CommandError(f"{file}: {exc.strerror}.") from exc
        bar = tqdm(
            total=os.fstat(handle.fileno()).st_size,
            unit="B",
            unit_scale=True,
            desc="import",
            disable=no_progress or None,
            # The raw stream: Django's wrapper would end each redraw with a newline.
            file=self.stderr._out,
        )
        with handle, bar:
            rows = READERS[fmt](handle, bar)
            if resume_from > 1:
                rows = (pair for pair in rows if pair[0] >= resume_from)
            try:
                with stops_command(
                    "Nothing was imported."
                    if batch_size is None
                    else "Earlier batches are kept; running from the start again is safe."
                ):
                    report = bulk.claims_import(
                        bulk.prefetched(rows),
                        reason=f"Imported from {file.name}",
                        batch_size=batch_size,
                        workers=workers,
                    )
            except bulk.RowError as exc:
                raise CommandError(self._failure(file, exc)) from exc
            except IntegrityError as exc:
                # A referenced row deleted while the import ran, caught by the database's own
                # foreign-key check at commit (PostgreSQL's store names the line instead).
                raise CommandError(
                    f"{file}: a row the file refers to was deleted during the import ({exc}). "
                    "The rows being stored were not kept; with --batch-size, earlier batches "
                    "are, and running from the start again is safe."
                ) from exc
        self.stdout.write(
            f"{report.rows:,} rows read: {report.created:,} claims created, "
            f"{report.present:,} already present. Contradictions: "
            f"{report.conflicts.created:,} created, {report.conflicts.updated:,} updated, "
            f"{report.conflicts.reopened:,} reopened, {report.conflicts.closed:,} closed."
        )

    @staticmethod
    def _failure(file: Path, exc: bulk.RowError) -> str:
        where = f"{file}, line {exc.line}: {exc.message}"
        if exc.resume_from is None:
            return f"{where} Nothing was imported."
        if exc.resume_from <= 1:
            return f"{where} Nothing was imported; fix the row and run again."
        return (
            f"{where} Rows before line {exc.resume_from} are stored; fix the row and resume "
            f"with --resume-from {exc.resume_from} (running from the start again is safe too)."
        )
