"""`manage.py ingest_source`: a text file becomes a source's text, and quotes are checked against it."""

import io

import pytest
from django.core.management import CommandError, call_command

from claims.models import Claim
from sources.models import Source
from tests import factories

pytestmark = pytest.mark.django_db


def ingest(path, *args):
    out = io.StringIO()
    call_command("ingest_source", str(path), *args, stdout=out)
    return out.getvalue()


def test_new_source_from_a_text_file(tmp_path):
    publisher = factories.publisher(reliability="C")
    path = tmp_path / "report.txt"
    path.write_text("Qwen3.5 boasts over 1 trillion parameters.", encoding="utf-8")
    output = ingest(
        path, "--publisher", publisher.slug, "--title", "A report", "--published", "2026-03"
    )
    source = Source.objects.get(title="A report")
    assert "Created source a-report" in output
    assert (source.text, source.published_precision, source.reliability) == (
        path.read_text(),
        "month",
        "C",
    )


def test_existing_source_gets_its_text_and_claims_their_positions(tmp_path):
    src = factories.source(title="Weekly")
    claim = factories.claim(
        src=src, value="over 1 trillion", quote="over 1 trillion parameters"
    ).claim
    path = tmp_path / "weekly.txt"
    path.write_text("Intro. It has over 1 trillion parameters.", encoding="utf-8")
    output = ingest(path, "--publisher", src.publisher.slug, "--title", "Weekly", "--key", src.key)
    assert "Updated source" in output and "1 claims verified" in output
    claim.refresh_from_db()
    assert claim.quote_offset == path.read_text().index("over 1 trillion parameters")


def test_text_that_breaks_a_quote_is_refused_and_nothing_is_stored(tmp_path):
    src = factories.source(title="Weekly")
    factories.claim(src=src, value="27B", quote="a 27B model")
    path = tmp_path / "other.txt"
    path.write_text("Nothing relevant here.", encoding="utf-8")
    with pytest.raises(CommandError, match="a 27B model"):
        ingest(path, "--publisher", src.publisher.slug, "--title", "Weekly", "--key", src.key)
    assert Source.objects.get(pk=src.pk).text == ""
    assert Claim.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--publisher", "nobody", "--title", "T"], "no publisher"),
        (["--publisher", "{pub}", "--title", "T", "--published", "March"], "--published"),
    ],
)
def test_bad_arguments_are_named(tmp_path, args, message):
    publisher = factories.publisher()
    path = tmp_path / "t.txt"
    path.write_text("text", encoding="utf-8")
    with pytest.raises(CommandError, match=message):
        ingest(path, *[a.replace("{pub}", publisher.slug) for a in args])


def test_missing_or_empty_file_is_refused(tmp_path):
    publisher = factories.publisher()
    with pytest.raises(CommandError, match="cannot read"):
        ingest(tmp_path / "missing.txt", "--publisher", publisher.slug, "--title", "T")
    empty = tmp_path / "empty.txt"
    empty.write_text("  ", encoding="utf-8")
    with pytest.raises(CommandError, match="empty"):
        ingest(empty, "--publisher", publisher.slug, "--title", "T")
