"""Bulk import of claims: the services' reading and validation, stored a batch at a time.

A row is what an editor would type: subject (slug, name or alias), metric (slug), the value
as written, source (key or id), the verbatim quote, and optionally the as-of period as
written (`as_of`, or `as_of_text` in the source's words, read against its date), the publisher
it is attributed to and a status. Rows are read as the services read
them (``rows``), by worker processes when the file is large (``parallel``).

A row's natural key (source, subject, metric, quote, value as written) makes an import
idempotent: a row already stored, or repeated in the file, adds nothing. Rows are stored
with COPY on PostgreSQL (ids drawn from the sequence first, so the history rows can be
copied too) and with multi-row INSERTs elsewhere (``store``). Every claim gets its creation
record in the history, with the file and line as the change reason. Detection then re-checks
the touched subject+metric groups in batches, never claim by claim.

A bad row raises ``RowError`` naming its line: with one transaction (the default) nothing is
left behind; with ``batch_size`` every batch before the bad row's is committed and the error
names the line to resume from.
"""

from claims.bulk.importer import CHUNK, ImportReport, claims_import
from claims.bulk.parallel import prefetched
from claims.bulk.rows import COLUMNS, FIELDS, Line, RowError

__all__ = [
    "CHUNK",
    "COLUMNS",
    "FIELDS",
    "ImportReport",
    "Line",
    "RowError",
    "claims_import",
    "prefetched",
]
