"""Which groups a full rescan can skip: digests of what the rules read, kept per group.

A rescan stores, for every group it judges, a digest of everything that decides the group's
records: each claim's columns that detection reads (``ClaimRow``, the source's label), the
metric's rules, the records the rescan left in the group, the exchange rates and the rules'
own code. The next rescan computes the same digest for each group it would judge; where it
equals the stored one, judging again would change nothing (a rescan is idempotent), so the
group is skipped. Nothing has to remember to invalidate a digest: any change to those
inputs, by any path (an edit, an import, a raw UPDATE, a new release of the rules), gives
another digest, and the group is judged again.

The database computes every digest, from the same queries both times, so that the stored
digest and the fresh one are computed the same way. PostgreSQL only: elsewhere every
candidate group is judged, as before.
"""

import functools
from pathlib import Path

from django.db import connection

from claims.detection.rows import LABEL_COLUMNS, RULE_FIELDS, ClaimRow, Group, RecordRow
from claims.models import CheckedGroup
from qwenkb.postgres.arrays import Ids
from qwenkb.release import files_digest

# The code whose behaviour decides a group's records: the rules, the values they read, how
# records are planned from findings. A release that changes any of it changes every digest.
_RULES_CODE = (
    *("claims/conflicts.py", "claims/choices.py", "claims/values", "claims/detection"),
    "sources/precision.py",  # the precisions of dates, which values read
)
_ROOT = Path(__file__).resolve().parents[2]


@functools.cache
def rules_fingerprint() -> str:
    """A digest of the rules' code (``_RULES_CODE``, ``qwenkb.release``), read once per process."""
    return files_digest(_ROOT, _RULES_CODE)


def context(rates: dict[tuple[str, str], float]) -> str:
    """What every group's digest shares: the rules' code and the exchange rates."""
    return f"{rules_fingerprint()}:{sorted(rates.items())!r}"


def available() -> bool:
    """Whether digests are kept on this database."""
    return connection.vendor == "postgresql"


# What is digested of a claim: what detection reads of it, and its metric's rules (a
# metric's few fields cost little per claim, and one query plan serves).
CLAIM_COLUMNS = (*ClaimRow.COLUMNS, *LABEL_COLUMNS, *(f"metric__{name}" for name in RULE_FIELDS))


# A group's digest, of the context, its claims' digest ``c.d`` and its records' ``r.d``.
_DIGEST = "md5(%s || '/' || coalesce(c.d, '') || '/' || coalesce(r.d, ''))"


def _per_group(queryset, columns) -> tuple[str, tuple]:
    """SQL giving each group of ``queryset`` with a digest of its rows' ``columns``, the rows
    taken in id order (``columns`` start with the id, the subject and the metric)."""
    sql, params = queryset.order_by().values_list(*columns).query.sql_with_params()
    return (
        "SELECT v.subject_id, v.metric_id, md5(string_agg(v::text, ',' ORDER BY v.id)) AS d "
        f"FROM ({sql}) v GROUP BY v.subject_id, v.metric_id",
        params,
    )


def changed(groups: list[Group], claims, records, *, context: str) -> dict[Group, str]:
    """Those of ``groups`` whose digest differs from the one stored for them (or that have
    none), each with the digest of its claims, for ``store``.

    ``claims`` are every claim of ``groups``, ``records`` every record stored in them
    (querysets). One query.
    """
    if not groups:
        return {}
    claims_sql, claims_params = _per_group(claims, CLAIM_COLUMNS)
    records_sql, records_params = _per_group(records, RecordRow._fields)
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH c AS ({claims_sql}), r AS ({records_sql}) "
            "SELECT g.subject_id, g.metric_id, coalesce(c.d, '') "
            "FROM unnest(%s::bigint[], %s::bigint[]) AS g(subject_id, metric_id) "
            "LEFT JOIN c ON c.subject_id = g.subject_id AND c.metric_id = g.metric_id "
            "LEFT JOIN r ON r.subject_id = g.subject_id AND r.metric_id = g.metric_id "
            f"LEFT JOIN {CheckedGroup._meta.db_table} k "
            "ON k.subject_id = g.subject_id AND k.metric_id = g.metric_id "
            f"WHERE k.digest IS DISTINCT FROM {_DIGEST}",
            [
                *claims_params,
                *records_params,
                Ids([s for s, _ in groups]),
                Ids([m for _, m in groups]),
                context,
            ],
        )
        return {(s, m): d for s, m, d in cursor.fetchall()}


def store(claim_digests: dict[Group, str], records, *, context: str) -> None:
    """Store the digest of each group of ``claim_digests`` (from ``changed``) with the records
    now stored in it (``records``: every record of those groups), as a rescan leaves them."""
    if not claim_digests:
        return
    records_sql, records_params = _per_group(records, RecordRow._fields)
    groups = list(claim_digests)
    table = CheckedGroup._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            f"WITH r AS ({records_sql}) "
            f"INSERT INTO {table} (subject_id, metric_id, digest) "
            f"SELECT c.subject_id, c.metric_id, {_DIGEST} "
            "FROM unnest(%s::bigint[], %s::bigint[], %s::text[]) AS c(subject_id, metric_id, d) "
            "LEFT JOIN r ON r.subject_id = c.subject_id AND r.metric_id = c.metric_id "
            "ON CONFLICT (subject_id, metric_id) DO UPDATE SET digest = EXCLUDED.digest",
            [
                *records_params,
                context,
                Ids([s for s, _ in groups]),
                Ids([m for _, m in groups]),
                list(claim_digests.values()),
            ],
        )
