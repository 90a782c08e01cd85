"""Bulk passes run with Python's cyclic garbage collector paused (``qwenkb.collector``)."""

import gc
import json

import pytest

from claims import bulk, detection
from claims.bulk import importer as bulk_importer
from claims.detection import groups as detection_groups
from claims.management.commands import import_claims as command
from claims.models import Claim
from qwenkb.collector import collector_paused
from tests.claims.test_bulk import kb, rows  # noqa: F401  the fixture, used by name


@pytest.fixture
def collector_on():
    """Every test starts with the collector on, as a process does, and leaves it so."""
    assert gc.isenabled()
    yield
    gc.enable()


def test_the_block_runs_without_the_collector_and_it_is_on_again_after(collector_on):
    with collector_paused():
        assert not gc.isenabled()
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError), collector_paused():
        raise ZeroDivisionError
    assert gc.isenabled()


def test_a_pass_inside_another_leaves_the_collector_to_the_outer_one(collector_on):
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()  # the outer pass is still running
    assert gc.isenabled()


def test_a_collector_turned_off_before_stays_off(collector_on):
    gc.disable()
    with collector_paused():
        assert not gc.isenabled()
    assert not gc.isenabled()


def _recording(states: list[bool], function):
    def record(*args, **kwargs):
        states.append(gc.isenabled())
        return function(*args, **kwargs)

    return record


def test_a_rescan_judges_with_the_collector_paused(collector_on, seed_kb, monkeypatch):
    states: list[bool] = []
    monkeypatch.setattr(
        detection_groups,
        "groups_detect",
        _recording(states, detection_groups.groups_detect),
    )
    summary = detection.rescan(every_group=True)
    assert summary.groups > 0 and states and not any(states)
    assert gc.isenabled()


def test_an_import_stores_with_the_collector_paused(collector_on, db, kb, tmp_path, monkeypatch):  # noqa: F811
    states: list[bool] = []
    monkeypatch.setattr(
        bulk_importer.Importer, "rows", _recording(states, bulk_importer.Importer.rows)
    )
    path = tmp_path / "claims.jsonl"
    path.write_text("".join(json.dumps(row) + "\n" for row in rows(kb)))
    report = bulk.claims_import(command.jsonl_rows(path.open("rb")), reason="Imported", workers=0)
    assert report.created == 3 == Claim.objects.count()
    assert states and not any(states)
    assert gc.isenabled()
