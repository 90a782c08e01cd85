"""import_claims and claims.bulk: files read as the services read, atomic, resumable, idempotent."""

import csv
import io
import json

import pytest
from django.core.management import CommandError, call_command

from claims import services
from claims.bulk import FIELDS
from claims.models import Claim, Contradiction, Metric
from claims.selectors import entity_resolve
from tests import factories

pytestmark = pytest.mark.django_db

TEXT = "Qwen boasts over 1 trillion parameters; rivals say exceeding 1.8 trillion, about 27B."


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
        for length in range(4, 40)
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
