"""What full rescans last left, so that the next one can skip what nothing changed in."""

from django.db import models


class CheckedGroup(models.Model):
    """A subject+metric group as the last rescan that judged it left it.

    ``digest`` is computed by the database from everything the rules read of the group (its
    claims, their sources' labels, the metric's rules), the records the rescan left in it, the
    exchange rates and the rules' own code (``claims.detection.digests``). A later rescan that
    computes the same digest knows that judging the group again would change nothing.
    Bookkeeping of the rescan only: no history, no admin.
    """

    # The unique constraint leads with the subject, which serves its look-ups and cascades.
    subject = models.ForeignKey(
        "claims.Entity", on_delete=models.CASCADE, related_name="+", db_index=False
    )
    metric = models.ForeignKey("claims.Metric", on_delete=models.CASCADE, related_name="+")
    digest = models.CharField(max_length=32)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["subject", "metric"], name="checked_group_unique")
        ]

    def __str__(self) -> str:
        return f"{self.subject_id}/{self.metric_id}: {self.digest}"


class RulesInputWrite(models.Model):
    """A transaction wrote to a table the conflict rules read (PostgreSQL).

    The database adds these rows itself: a statement trigger on each of those tables
    (``claims.detection.standing.INPUTS``) records the writing transaction's id, once per
    transaction and table, whatever path the write took (a save, an import's COPY, a raw
    UPDATE, a TRUNCATE), with or without ``session_replication_role = replica``. A full
    rescan reads them to know whether anything changed since the last one, and removes those
    it saw. Bookkeeping of the rescan only: no history, no admin.
    """

    xid = models.BigIntegerField()  # the top-level transaction's id (xid8)
    table = models.CharField(max_length=63)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["xid", "table"], name="rules_input_write_unique")
        ]

    def __str__(self) -> str:
        return f"{self.table} by {self.xid}"


class LastRescan(models.Model):
    """What the last complete full rescan began from (PostgreSQL): at most one row.

    ``snapshot`` is the database's snapshot when it began: every write it holds was seen by
    the rescan. A write not in it, other than the rescan's own (``own_xids``), is a change
    the rescan may not have judged (``claims.detection.standing``).
    """

    snapshot = models.TextField()  # pg_current_snapshot()
    own_xids = models.JSONField(default=list)  # its batches' transaction ids
    cluster = models.CharField(max_length=32)  # the system identifier the ids belong to
    context = models.TextField()  # the rules' code and the exchange rates (digests.context)
    groups = models.PositiveBigIntegerField()  # subject+metric groups in the database
    candidates = models.PositiveBigIntegerField()  # of those, groups that could hold a conflict
    finished = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="last_rescan_one")]

    def __str__(self) -> str:
        return f"full rescan from {self.snapshot}, finished {self.finished:%Y-%m-%d %H:%M}"
