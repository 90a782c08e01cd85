"""import_claims and claims.bulk: files read as the services read, atomic, resumable, idempotent."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import OperationalError, connection

from claims import bulk, services
from claims.bulk import FIELDS
from claims.bulk import importer as bulk_importer
from claims.bulk import parallel as bulk_parallel
from claims.bulk import rows as bulk_rows
from claims.bulk import store as bulk_store
from claims.management.commands import import_claims as command
from claims.models import Claim, Contradiction, Metric
from claims.selectors import entity_resolve
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = (
    "Released February 16: Qwen boasts over 1 trillion parameters; rivals say exceeding "
    "1.8 trillion, about 27B."
)


@pytest.fixture
def kb():
    """A source with text, two entities (one with an alias), a quantity and a date metric."""
    publisher = factories.publisher(name="VentureBeat")
    source = factories.source(text=TEXT, pub=publisher)
    qwen = factories.entity(name="Qwen", aliases=["Tongyi Qianwen"])
    other = factories.entity(name="Qwen3.5")
    factories.metric(slug="params")
    factories.metric(slug="released", value_type="date")
    return {"source": source, "qwen": qwen, "other": other, "publisher": publisher}


def rows(kb, count: int = 3) -> list[dict]:
    """``count`` good rows; the first two disagree (a discrepancy), the others agree on a date."""
    source = kb["source"].key
    base = [
        {
            "subject": "Tongyi Qianwen",
            "metric": "params",
            "value": "over 1 trillion",
            "source": source,
            "quote": "over 1 trillion parameters",
            "status": "accepted",
        },
        {
            "subject": kb["qwen"].slug,
            "metric": "params",
            "value": "exceeding 1.8 trillion",
            "source": str(kb["source"].pk),
            "quote": "exceeding 1.8 trillion",
            "attributed_to": kb["publisher"].slug,
            "as_of": "March 2026",
        },
    ]
    dates = [  # one date, each from its own span of the text: no conflict among them
        {
            "subject": "qwen 3.5",
            "metric": "released",
            "value": "February 16",
            "source": source,
            "quote": TEXT[:length],
        }
        for length in range(20, 56)
    ]
    return (base + dates)[:count]


def jsonl(tmp_path, items: list, name: str = "claims.jsonl"):
    path = tmp_path / name
    path.write_text(
        "".join((item if isinstance(item, str) else json.dumps(item)) + "\n" for item in items)
    )
    return path


def run(path, *args) -> str:
    out = io.StringIO()
    call_command(
        "import_claims", str(path), "--no-progress", *args, stdout=out, stderr=io.StringIO()
    )
    return out.getvalue()


def snapshot() -> list[tuple]:
    columns = [
        "subject_id",
        "metric_id",
        "source_id",
        "value_text",
        "bound",
        "low",
        "high",
        "point",
        "date_start",
        "date_end",
        "date_precision",
        "quote",
        "quote_offset",
        "attributed_to_id",
        "as_of_start",
        "as_of_end",
        "as_of_precision",
        "status",
    ]
    return sorted(Claim.objects.values_list(*columns))


def test_good_jsonl_file_stores_claims_as_the_services_would(kb, tmp_path):
    out = run(jsonl(tmp_path, rows(kb, 4)))
    assert "4 rows read: 4 claims created, 0 already present" in out
    imported = snapshot()
    record = Contradiction.objects.get()
    assert (record.kind, record.status) == ("discrepancy", "open")
    # The same rows through the per-claim service give the very same stored values.
    Contradiction.objects.all().delete()
    Claim.objects.all().delete()
    for row in rows(kb, 4):
        services.claim_create(
            subject=entity_resolve(row["subject"]),
            metric=Metric.objects.get(slug=row["metric"]),
            source=kb["source"],
            value_text=row["value"],
            quote=row["quote"],
            as_of=row.get("as_of"),
            attributed_to=kb["publisher"] if row.get("attributed_to") else None,
            status=row.get("status", "proposed"),
        )
    assert snapshot() == imported


def test_history_records_each_claim_with_file_and_line(kb, tmp_path):
    run(jsonl(tmp_path, rows(kb, 2)))
    reasons = sorted(Claim.history.values_list("history_change_reason", flat=True))
    assert reasons == ["Imported from claims.jsonl, line 1", "Imported from claims.jsonl, line 2"]


def test_a_long_file_name_is_kept_whole_in_the_history(kb, tmp_path):
    name = "a-file-name-longer-than-any-history-column-once-allowed-" + "x" * 80 + ".jsonl"
    run(jsonl(tmp_path, rows(kb, 1), name=name))
    assert Claim.history.get().history_change_reason == f"Imported from {name}, line 1"


def test_csv_file_with_header(kb, tmp_path):
    path = tmp_path / "claims.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows(rows(kb, 3))
    assert "3 claims created" in run(path)
    assert (
        Claim.objects.filter(metric__slug="released").get().date_start.isoformat() == "2026-02-16"
    )


def test_csv_bad_row_names_its_line(kb, tmp_path):
    path = tmp_path / "claims.csv"
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=FIELDS)
        writer.writeheader()
        writer.writerows([*rows(kb, 2), rows(kb, 3)[2] | {"metric": "nope"}])
    with pytest.raises(CommandError, match=r"line 4: metric: no metric has the slug “nope”"):
        run(path)
    assert not Claim.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"subject": "Nobody"}, "subject: no entity"),
        ({"source": "missing-source"}, "source: no source"),
        ({"value": "a lot"}, "Cannot read"),
        ({"quote": "not in the text"}, "quote: not found verbatim"),
        ({"status": "maybe"}, "status must be one of"),
        ({"colour": "red"}, "unknown field colour"),
        ({"quote": "over 1 trillion\x00"}, "quote: contains a NUL character"),
    ],
)
def test_bad_row_at_line_n_leaves_nothing_behind(kb, tmp_path, change, message):
    good = rows(kb, 6)
    bad = [*good[:4], good[4] | change, *good[5:]]
    with pytest.raises(CommandError) as info:
        run(jsonl(tmp_path, bad))
    assert "line 5:" in str(info.value) and message in str(info.value)
    assert "Nothing was imported" in str(info.value)
    assert not Claim.objects.exists()
    assert not Contradiction.objects.exists()


def test_invalid_json_is_refused_with_its_line(kb, tmp_path):
    with pytest.raises(CommandError, match="line 2: not valid JSON"):
        run(jsonl(tmp_path, [rows(kb, 1)[0], "{oops"]))
    assert not Claim.objects.exists()


def test_batches_keep_what_came_before_and_name_the_line_to_resume_from(kb, tmp_path):
    good = rows(kb, 7)
    path = jsonl(tmp_path, [*good[:5], good[5] | {"metric": "nope"}, *good[6:]])
    with pytest.raises(CommandError) as info:
        run(path, "--batch-size", "2")
    assert "line 6:" in str(info.value)
    assert "--resume-from 5" in str(info.value)
    assert Claim.objects.count() == 4  # two whole batches, lines 1–4
    path = jsonl(tmp_path, good)  # the row is fixed
    assert "3 claims created" in run(path, "--batch-size", "2", "--resume-from", "5")
    assert Claim.objects.count() == 7


def test_running_again_from_the_start_adds_nothing(kb, tmp_path):
    path = jsonl(tmp_path, rows(kb, 5))
    run(path)
    before = (snapshot(), Contradiction.objects.count(), Claim.history.count())
    assert "0 claims created, 5 already present" in run(path)
    assert (snapshot(), Contradiction.objects.count(), Claim.history.count()) == before


def test_a_row_repeated_in_the_file_is_stored_once(kb, tmp_path):
    good = rows(kb, 3)
    assert "3 claims created, 1 already present" in run(jsonl(tmp_path, [*good, good[1]]))


def test_unknown_format_and_missing_file_are_clear_errors(tmp_path):
    with pytest.raises(CommandError, match="--format"):
        run(jsonl(tmp_path, [], name="claims.txt"))
    with pytest.raises(CommandError, match="No such file"):
        run(tmp_path / "absent.jsonl")


# Reading in worker processes: forced here with tiny chunks; a real import forks only once
# it has read PARALLEL_FROM rows.


@pytest.fixture
def small_chunks(monkeypatch):
    monkeypatch.setattr(bulk_importer, "CHUNK", 3)
    monkeypatch.setattr(bulk_parallel, "PARALLEL_FROM", 4)


def many(kb) -> list[dict]:
    """Rows over several chunks and groups, with a repeat, an as-of and an attribution."""
    good = rows(kb, 30)
    extra = [row | {"subject": kb["qwen"].slug, "as_of": "2025"} for row in good[10:20]]
    return [*good, good[3], *extra]


def imported(path, workers: int, **options) -> tuple:
    """What an import stores: claims in id order, history reasons, contradictions."""
    report = bulk.claims_import(
        command.jsonl_rows(path.open("rb")), reason="Imported", workers=workers, **options
    )
    claims = list(Claim.objects.order_by("id").values_list("quote", "subject_id", "as_of_start"))
    history = list(
        Claim.history.order_by("id").values_list("history_change_reason", "status", "quote")
    )
    contradictions = sorted(Contradiction.objects.values_list("kind", "status"))
    outcome = (report.rows, report.created, report.present, snapshot(), claims, history)
    Contradiction.objects.all().delete()
    Claim.objects.all().delete()
    Claim.history.all().delete()  # creation records and the deletions' just made
    return outcome, contradictions


def test_parallel_reading_stores_what_serial_reading_stores(kb, tmp_path, small_chunks):
    path = jsonl(tmp_path, many(kb))
    serial = imported(path, workers=0)
    assert serial[0][:3] == (41, 40, 1)
    assert imported(path, workers=2) == serial
    assert imported(path, workers=2, batch_size=5) == serial


def test_rows_only_the_database_resolves_are_read_in_the_parent(
    kb, tmp_path, small_chunks, monkeypatch
):
    # Forget Qwen3.5 in the maps: the workers cannot resolve it, the parent asks the database.
    loaded = bulk_rows.Catalogue.__init__

    def forgetful(self):
        loaded(self)
        self.entity_slugs.pop(kb["other"].slug)
        self.entity_keys.pop(kb["other"].key)

    monkeypatch.setattr(bulk_rows.Catalogue, "__init__", forgetful)
    path = jsonl(tmp_path, many(kb))
    assert imported(path, workers=2) == imported(path, workers=0)


@pytest.mark.parametrize("batch_size", [None, 4])
def test_parallel_reading_reports_the_same_bad_line(kb, tmp_path, small_chunks, batch_size):
    good = many(kb)
    bad = [*good[:20], good[20] | {"subject": "Nobody"}, *good[21:25], "{oops", *good[25:]]
    path = jsonl(tmp_path, bad)
    errors = []
    for workers in (0, 2):
        with pytest.raises(bulk.RowError) as info:
            bulk.claims_import(
                command.jsonl_rows(path.open("rb")),
                reason="Imported",
                workers=workers,
                batch_size=batch_size,
            )
        errors.append((info.value.line, info.value.message, info.value.resume_from))
        Contradiction.objects.all().delete()
        Claim.objects.all().delete()
    assert errors[0] == errors[1]
    assert errors[0][:2] == (21, "subject: no entity has the slug, name or alias “Nobody”.")
    assert errors[0][2] == (None if batch_size is None else 21)


def test_invalid_json_in_a_later_batch_names_the_line_to_resume_from(kb, tmp_path):
    good = rows(kb, 7)
    with pytest.raises(CommandError) as info:
        run(jsonl(tmp_path, [*good[:5], "{oops", *good[5:]]), "--batch-size", "2")
    assert "line 6: not valid JSON" in str(info.value)
    assert "--resume-from 5" in str(info.value)
    assert Claim.objects.count() == 4


@pytest.mark.django_db(transaction=True)  # the commit, where the database checks keys
def test_references_gone_since_the_catalogue_was_read_stop_the_import(kb, tmp_path, monkeypatch):
    loaded = bulk_rows.Catalogue.__init__

    def ghostly(self):
        loaded(self)
        self.entity_slugs["ghost"] = 10**9  # as if deleted since the catalogue was read

    monkeypatch.setattr(bulk_rows.Catalogue, "__init__", ghostly)
    good = rows(kb, 4)
    # PostgreSQL's store checks and locks references itself and names the line; elsewhere the
    # database's own foreign-key check at commit refuses the rows.
    gone = (
        r"line 3: subject_id 1000000000 is gone"
        if connection.vendor == "postgresql"
        else r"was deleted during the import \(FOREIGN KEY constraint failed\)"
    )
    with pytest.raises(CommandError, match=gone):
        run(jsonl(tmp_path, [*good[:2], good[2] | {"subject": "ghost"}, good[3]]))
    assert not Claim.objects.exists()
    run(jsonl(tmp_path, good))
    assert Claim.objects.count() == 4
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "claims_claim")
        if connection.vendor == "postgresql":
            assert bulk_store.CopyStore(reason="x").format.binary  # every column type known
            cursor.execute("SHOW session_replication_role")
            assert cursor.fetchone()[0] == "origin"
    # The foreign keys are still there, checking every other write.
    assert sum(1 for c in constraints.values() if c["foreign_key"]) == 7


def test_prefetched_rows_come_in_order_and_then_the_error():
    def rows():
        yield from ((line, {}) for line in range(1, 2501))
        raise bulk.RowError(2501, "not valid JSON.")

    seen = []
    with pytest.raises(bulk.RowError, match="line 2501"):
        for pair in bulk.prefetched(rows(), size=1000):
            seen.append(pair[0])
    assert seen == list(range(1, 2501))


def test_workers_option(kb, tmp_path):
    assert "3 claims created" in run(jsonl(tmp_path, rows(kb, 3)), "--workers", "0")
    with pytest.raises(CommandError, match="--workers must be at least 0"):
        run(jsonl(tmp_path, rows(kb, 3)), "--workers", "-1")


@pytest.mark.parametrize("batched", [False, True])
def test_an_import_that_loses_its_database_says_what_is_kept_in_one_line(
    kb, tmp_path, monkeypatch, batched
):
    """A database restart mid-import ends the command with a CommandError, not a traceback;
    running the file from the start again then stores the rest."""
    good = rows(kb, 6)
    detect, calls = bulk_importer.Importer.detect, []

    def fails_second(self, touched, **how):
        calls.append(touched)
        if len(calls) == 2 or not batched:
            raise OperationalError("the database system is shutting down")
        return detect(self, touched, **how)

    monkeypatch.setattr(bulk_importer.Importer, "detect", fails_second)
    path = jsonl(tmp_path, good)
    with pytest.raises(CommandError) as info:
        run(path, *(["--batch-size", "2"] if batched else []))
    kept, again = (
        ("Earlier batches are kept; running from the start again is safe.", "4 claims created, 2")
        if batched
        else ("Nothing was imported.", "6 claims created, 0")
    )
    reason = "The database stopped answering (the database system is shutting down)."
    assert str(info.value) == f"{reason} {kept}"
    assert Claim.objects.count() == (2 if batched else 0)
    monkeypatch.setattr(bulk_importer.Importer, "detect", detect)
    assert f"{again} already present" in run(path)
    assert Claim.objects.count() == 6


def _claim_indexes() -> dict[str, str]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s)",
            [[Claim._meta.db_table, Claim.history.model._meta.db_table]],
        )
        return dict(cursor.fetchall())


@pytest.mark.needs("postgresql")
def test_a_first_import_builds_the_claims_indexes_after_its_rows(kb, tmp_path):
    before = _claim_indexes()
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        if sql.lstrip().startswith(("DROP INDEX", "CREATE INDEX")):
            sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        assert "5 claims created" in run(jsonl(tmp_path, rows(kb, 5)))
    dropped = [sql for sql in sent if sql.startswith("DROP INDEX")]
    built = [sql for sql in sent if sql.startswith("CREATE INDEX")]
    assert dropped and len(built) == len(dropped)
    assert set(built) <= set(before.values())  # each built again as it was
    assert bulk_importer.GROUP_INDEX == "claim_subject_metric_idx"
    assert not any(bulk_importer.GROUP_INDEX in sql for sql in sent)  # read while importing
    assert _claim_indexes() == before
    assert Claim.objects.count() == 5 and Contradiction.objects.count() == 1
    # Claims are there now: the next import writes through the indexes.
    sent.clear()
    with connection.execute_wrapper(record):
        assert "2 claims created" in run(jsonl(tmp_path, rows(kb, 7)))
    assert sent == []


def _planned_rows(model) -> float:
    """How many rows PostgreSQL's planner takes ``model``'s table to hold (-1: never counted)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT reltuples FROM pg_class WHERE oid = %s::regclass", [model._meta.db_table]
        )
        return cursor.fetchone()[0]


@pytest.mark.needs("postgresql")
def test_a_first_import_leaves_the_planner_counting_what_it_loaded(kb, tmp_path):
    """The first load's tables are analysed before it commits; a later import leaves that to
    autovacuum (it adds to what the planner already knows)."""
    assert "5 claims created" in run(jsonl(tmp_path, rows(kb, 5)))
    assert _planned_rows(Claim) == Claim.objects.count() == 5
    assert _planned_rows(Contradiction) == Contradiction.objects.count() == 1
    assert "2 claims created" in run(jsonl(tmp_path, rows(kb, 7)))
    assert _planned_rows(Claim) == 5


@pytest.mark.needs("postgresql")
def test_a_first_import_in_batches_writes_through_the_indexes(kb, tmp_path):
    sent: list[str] = []

    def record(execute, sql, params, many, context):
        sent.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(record):
        run(jsonl(tmp_path, rows(kb, 5)), "--batch-size", "2")
    assert Claim.objects.count() == 5
    assert not [sql for sql in sent if "INDEX" in sql.split("(")[0]]
    assert _planned_rows(Claim) == 5  # analysed after the last batch


@pytest.mark.needs("postgresql")
def test_a_failed_first_import_leaves_every_index_and_no_claim(kb, tmp_path):
    before = _claim_indexes()
    good = rows(kb, 6)
    with pytest.raises(CommandError, match="line 6:"):
        run(jsonl(tmp_path, [*good[:5], good[5] | {"metric": "nope"}]))
    assert _claim_indexes() == before
    assert not Claim.objects.exists() and not Claim.history.exists()


def _records() -> list[tuple]:
    """Every contradiction record by what its claims say, not by their ids."""
    return sorted(
        Contradiction.objects.values_list(
            "claim_a__value_text", "claim_b__value_text", "kind", "status", "severity"
        )
    )


def test_an_import_into_an_empty_base_checks_every_group_in_one_pass(kb, tmp_path, monkeypatch):
    """Its groups are all there are: the rescan finds them over the whole table, and finds
    what a rescan of the import's own groups finds."""
    asked = []
    rescan = bulk_importer.detection.rescan

    def spy(**kwargs):
        asked.append(kwargs.get("groups"))
        return rescan(**kwargs)

    monkeypatch.setattr(bulk_importer.detection, "rescan", spy)
    path = jsonl(tmp_path, rows(kb, 6))
    run(path)
    whole = _records()
    assert asked == [None] and whole
    Contradiction.objects.all().delete()
    Claim.objects.all().delete()
    # With a claim elsewhere, the import re-checks only the groups it filled.
    other = factories.claim(subject=kb["other"], value="99B")
    asked.clear()
    run(path)
    assert len(asked) == 1 and asked[0] is not None
    assert (other.claim.subject_id, other.claim.metric_id) not in asked[0]
    assert _records() == whole
