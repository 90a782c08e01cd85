"""COPY with history (``qwenkb.copying``): what it stores is what saving each row stores."""

import datetime
from types import SimpleNamespace

import psycopg
import pytest
from django.contrib.auth.models import User
from django.db import connection, transaction
from hypothesis import given
from hypothesis import strategies as st
from simple_history.utils import bulk_create_with_history

from claims.models import Claim, Contradiction
from qwenkb import copying
from qwenkb.copydata import CopyFormat
from tests import factories

pytestmark = [pytest.mark.needs("postgresql"), pytest.mark.django_db]

# Set by the copy and by a save alike, each at its own moment: compared apart.
MOMENTS = {"created_at", "updated_at", "history_date"}
KEYS = {"id", "history_id"}

# Text PostgreSQL can hold (no NUL), with what COPY's text format must escape.
TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=40
) | st.sampled_from(["\\", "\t", "\n", "\r", "\\N", "a\tb\\c\nd", "\u200f\u0645", "😀"])


def _stored(ids: list[int]) -> list[tuple[dict, list[dict]]]:
    """Every column of each record and of its history rows, but the keys and moments."""
    out = []
    for pk in ids:
        record = Contradiction.objects.filter(pk=pk).values().get()
        history = list(Contradiction.history.filter(id=pk).values())
        out.append(
            (
                {k: v for k, v in record.items() if k not in KEYS | MOMENTS},
                [{k: v for k, v in h.items() if k not in KEYS | MOMENTS} for h in history],
            )
        )
    return out


@pytest.fixture
def claims():
    subject, metric = factories.entity(), factories.metric()
    made = [
        factories.claim(subject=subject, metric_=metric, value=f"{n}B", quote=f"q{n}").claim
        for n in range(1, 9)
    ]
    Contradiction.objects.all().delete()
    Contradiction.history.all().delete()
    return made


@pytest.mark.parametrize("encoding", ["binary", "text"])
@pytest.mark.parametrize("lock_from", [1, 10_000])  # references locked / left to PostgreSQL
def test_a_copied_row_and_its_history_are_those_a_save_stores(
    claims, monkeypatch, encoding, lock_from
):
    real_format = copying.copy_format
    if encoding == "text":

        def text_format(*args):
            assert real_format(*args).binary  # every column of a record has a binary encoder
            return CopyFormat({"id": "a type without a binary encoder"})

        monkeypatch.setattr(copying, "copy_format", text_format)
    monkeypatch.setattr(copying, "LOCK_REFERENCES_FROM", lock_from)
    pairs = [(a, b) for a in claims for b in claims if a.pk < b.pk]
    user = User.objects.create(username="copier")

    @given(
        st.lists(
            st.fixed_dictionaries(
                {
                    "explanation": TEXT,
                    "signature": TEXT,
                    "resolution_note": TEXT,
                    "severity": st.floats(0, allow_infinity=False) | st.integers(0, 10**15),
                    "kind": st.sampled_from(["discrepancy", "contradiction"]),
                    "status": st.sampled_from(["open", "closed", "resolved", "dismissed"]),
                    "resolved_at": st.none()
                    | st.datetimes(
                        datetime.datetime(1900, 1, 1), datetime.datetime(2200, 1, 1)
                    ).map(lambda moment: moment.replace(tzinfo=datetime.UTC)),
                    "preferred": st.booleans(),
                },
            ),
            min_size=1,
            max_size=len(pairs),
        ),
        st.lists(st.none() | TEXT, min_size=len(pairs), max_size=len(pairs)),
    )
    def check(drawn, reasons):
        rows = []
        for (a, b), values in zip(pairs, drawn, strict=False):
            preferred = values.pop("preferred")
            rows.append(
                values
                | {
                    "claim_a_id": a.pk,
                    "claim_b_id": b.pk,
                    "subject_id": a.subject_id,
                    "metric_id": a.metric_id,
                    # A resolved record names the claim preferred.
                    "preferred_claim_id": b.pk
                    if preferred or values["status"] == "resolved"
                    else None,
                }
            )
        reasons = reasons[: len(rows)]
        with transaction.atomic():
            before = datetime.datetime.now(datetime.UTC)
            ids = copying.copy_with_history(Contradiction, rows, reasons=reasons, user=user)
            copied = _stored(ids)
            moments = Contradiction.objects.filter(pk__in=ids).values_list(
                "created_at", "updated_at"
            )
            stamped = Contradiction.history.filter(id__in=ids).values_list("history_date")
            # One moment, the copy's, on every row and history row.
            (moment,) = {m for pair in moments for m in pair} | {m for (m,) in stamped}
            assert before <= moment <= datetime.datetime.now(datetime.UTC)
            with connection.cursor() as cursor:  # the checks PostgreSQL deferred, if any
                cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
            transaction.set_rollback(True)
        with transaction.atomic():
            saved = []
            for row, reason in zip(rows, reasons, strict=True):
                record = Contradiction(**row)
                record._change_reason = reason
                saved.append(record)
            bulk_create_with_history(saved, Contradiction, default_user=user)
            expected = _stored([record.pk for record in saved])
            transaction.set_rollback(True)
        assert copied == expected
        assert all(history[0]["history_type"] == "+" for _, history in copied)

    check()


# --- indexes built after a load (``copying.indexes_built_after``) --------------------------------

CLAIM_TABLES = ["claims_claim", "claims_historicalclaim"]


def _indexes() -> dict[str, str]:
    """Every index of the claim tables, by name, as PostgreSQL would create it."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)", [CLAIM_TABLES]
        )
        return dict(cursor.fetchall())


def _setting(name: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SHOW {name}")
        return cursor.fetchone()[0]


def test_indexes_are_dropped_in_the_block_and_built_again_as_they_were():
    before = _indexes()
    timeout, memory = _setting("lock_timeout"), _setting("maintenance_work_mem")
    keep = ["claim_subject_metric_idx"]
    with (
        connection.cursor() as cursor,
        copying.indexes_built_after(cursor, CLAIM_TABLES, keep) as d,
    ):
        inside = _indexes()
        subject = factories.entity()
        for n in range(3):  # rows written without the indexes are in them afterwards
            factories.claim(subject=subject, value=f"{n}B", quote=f"q{n}")
    assert d is True
    # Kept: the primary keys, the index named, the full-text index (GIN) and every unique one;
    # built after: the other b-trees and the trigram indexes (GIN).
    kept = {name for name, definition in before.items() if "UNIQUE" in definition}
    kept |= {"claims_claim_pkey", "claims_historicalclaim_pkey", "claim_subject_metric_idx"}
    kept |= {name for name, definition in before.items() if "to_tsvector" in definition}
    assert set(inside) == kept
    assert {
        "claim_metric_point_id_idx",
        "claim_status_id_idx",
        "claims_claim_quote_trgm",
        "claims_claim_value_text_trgm",
        "claims_claim_notes_trgm",
    } <= set(before) - kept
    assert _indexes() == before
    assert (_setting("lock_timeout"), _setting("maintenance_work_mem")) == (timeout, memory)
    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute(
            "EXPLAIN SELECT id FROM claims_claim WHERE status = 'accepted' AND subject_id = %s",
            [subject.pk],
        )
        assert "claim" in " ".join(row[0] for row in cursor.fetchall())
    assert Claim.objects.filter(subject=subject).count() == 3


def test_a_failure_in_the_block_rolls_the_transaction_back_even_if_caught():
    before = _indexes()
    with transaction.atomic():
        with connection.cursor() as cursor:
            try:
                with copying.indexes_built_after(cursor, CLAIM_TABLES, []):
                    factories.claim(value="3B")
                    raise ValueError("a row went wrong")
            except ValueError:
                pass  # caught: the transaction must not commit the rows without their indexes
        assert transaction.get_rollback()
    assert _indexes() == before
    assert not Claim.objects.filter(value_text="3B").exists()


def test_a_reader_of_the_table_keeps_the_indexes_and_the_load_goes_on(monkeypatch):
    monkeypatch.setattr(copying, "INDEX_LOCK_WAIT", "100ms")
    before = _indexes()
    params = connection.get_connection_params()
    with psycopg.connect(**params) as reader:  # a reader's transaction, open
        reader.execute("SELECT count(*) FROM claims_claim").fetchone()
        with (
            connection.cursor() as cursor,
            copying.indexes_built_after(cursor, CLAIM_TABLES, []) as dropped,
        ):
            assert _indexes() == before
            factories.claim(value="4B")
        reader.rollback()
    assert dropped is False
    assert _indexes() == before
    assert _setting("lock_timeout") == "0"


def test_only_inside_a_postgresql_transaction(monkeypatch):
    outside = SimpleNamespace(vendor="postgresql", in_atomic_block=False)
    monkeypatch.setattr(copying, "connection", outside)
    with (
        connection.cursor() as cursor,
        pytest.raises(RuntimeError, match="transaction"),
        copying.indexes_built_after(cursor, CLAIM_TABLES, []),
    ):
        pass
