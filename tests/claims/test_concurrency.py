"""Two editors saving claims of one group at once leave exactly the right records."""

import threading

import pytest
from django.db import connection, connections

from claims import services
from claims.detection import groups as detection_groups
from claims.models import Contradiction
from tests import factories


@pytest.mark.django_db(transaction=True)
def test_concurrent_writes_in_one_group_leave_one_record(monkeypatch):
    """Each writer inserts its claim, then both run detection at the same moment.

    On PostgreSQL the two writers are two real connections; a barrier holds both until each
    has inserted its claim, which is exactly the moment where, without the per-group lock,
    each detection would see only its own uncommitted claim and the pair would be missed.
    SQLite admits one writer at a time, so there the writers simply run one after the other.
    """
    subject, metric, src = factories.entity(), factories.metric(), factories.source()
    postgres = connection.vendor == "postgresql"
    barrier = threading.Barrier(2, timeout=20)
    real_lock = detection_groups._lock_groups

    def lock_after_both_inserted(groups):
        if postgres:
            barrier.wait()
        real_lock(groups)

    monkeypatch.setattr(detection_groups, "_lock_groups", lock_after_both_inserted)
    errors: list[BaseException] = []

    def write(value: str) -> None:
        try:
            services.claim_create(
                subject=subject,
                metric=metric,
                source=src,
                value_text=value,
                quote=value,
                status="accepted",
            )
        except BaseException as exc:  # surfaced by the assertion below
            errors.append(exc)
        finally:
            if postgres:
                connections.close_all()

    if postgres:
        threads = [threading.Thread(target=write, args=(v,)) for v in ("27B", "35B")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=60)
    else:  # the in-memory test database is shared by threads through table locks
        write("27B")
        write("35B")
    assert errors == []
    records = list(Contradiction.objects.all())
    assert len(records) == 1
    assert records[0].status == "open"
    assert {records[0].claim_a.value_text, records[0].claim_b.value_text} == {"27B", "35B"}
