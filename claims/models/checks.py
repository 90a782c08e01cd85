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
    (``claims.detection.standing.INPUTS``) records the writing transaction's id and the kind
    of statement, once per transaction, table and kind, whatever path the write took (a save,
    an import's COPY, a raw UPDATE, a TRUNCATE), with or without
    ``session_replication_role = replica``. A full rescan reads them to know whether anything
    changed since the last one, and removes those it saw. Bookkeeping of the rescan only: no
    history, no admin.
    """

    xid = models.BigIntegerField()  # the top-level transaction's id (xid8)
    table = models.CharField(max_length=63)
    # INSERT, UPDATE, DELETE or TRUNCATE; empty in rows recorded before kinds were (read as
    # a write of any kind).
    op = models.CharField(max_length=8, default="")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["xid", "table", "op"], name="rules_input_write_op")
        ]

    def __str__(self) -> str:
        return f"{self.op or 'write'} of {self.table} by {self.xid}"


class RulesInputGroup(models.Model):
    """A transaction wrote rows of a subject+metric group: claims or contradiction records
    (PostgreSQL).

    Added by the database itself, like ``RulesInputWrite``: statement triggers on the claims
    and the records read the rows each statement changed (PostgreSQL's transition tables)
    and record their groups, before and after an update. Claims a statement inserts are not
    recorded here, which would cost an import of a million rows seconds: a rescan finds
    those by the rows' own transaction ids (``claims.detection.standing``).
    """

    xid = models.BigIntegerField()  # the top-level transaction's id (xid8)
    # Plain numbers, not keys: the group of a row since deleted is still one to judge.
    subject_id = models.BigIntegerField()
    metric_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.subject_id}/{self.metric_id} by {self.xid}"


class RulesInputRow(models.Model):
    """A transaction updated or deleted a source, publisher or metric (PostgreSQL).

    Added by the database itself, like ``RulesInputWrite``, from each statement's transition
    table: the rules read these rows through the claims that name them, so a rescan judges
    the groups of those claims (``claims.detection.standing``).
    """

    xid = models.BigIntegerField()  # the top-level transaction's id (xid8)
    table = models.CharField(max_length=63)
    row_id = models.BigIntegerField()

    def __str__(self) -> str:
        return f"{self.table} {self.row_id} by {self.xid}"


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
    # Subject+metric groups in the database and, of those, groups that could hold a conflict;
    # unknown (null) after a rescan that looked only at the groups written since the last.
    groups = models.PositiveBigIntegerField(null=True)
    candidates = models.PositiveBigIntegerField(null=True)
    finished = models.DateTimeField()

    class Meta:
        constraints = [models.CheckConstraint(condition=models.Q(pk=1), name="last_rescan_one")]

    def __str__(self) -> str:
        return f"full rescan from {self.snapshot}, finished {self.finished:%Y-%m-%d %H:%M}"
