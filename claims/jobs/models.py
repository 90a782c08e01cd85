"""A job asked for in the admin and run by a worker: what was asked, where it stands, its report."""

import datetime

from django.conf import settings
from django.db import models

# A running job's worker writes the time into it this often (``Job.heartbeat_at``); a running
# job not heard from for four beats has lost its worker (killed, its machine gone).
HEARTBEAT = datetime.timedelta(seconds=30)
SILENT_AFTER = 4 * HEARTBEAT


class JobKind(models.TextChoices):
    """What a job does."""

    RESCAN = "rescan", "rescan for contradictions"
    IMPORT = "import", "import claims from a file"
    PROPOSE = "propose", "propose claims from a source's text"


class JobStatus(models.TextChoices):
    """Where a job stands."""

    QUEUED = "queued", "queued"
    RUNNING = "running", "running"
    DONE = "done", "done"
    FAILED = "failed", "failed"


class Job(models.Model):
    """A rescan or an import queued from the admin, or the proposals for a source's text;
    the worker writes its report here."""

    kind = models.CharField(max_length=10, choices=JobKind.choices)
    status = models.CharField(max_length=10, choices=JobStatus.choices, default=JobStatus.QUEUED)
    # An uploaded file is kept in the database, so a worker on any machine can read it.
    filename = models.CharField(max_length=200, blank=True)
    content = models.BinaryField(blank=True, default=b"", editable=False)
    subject = models.ForeignKey(
        "claims.Entity", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    metric = models.ForeignKey(
        "claims.Metric", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    source = models.ForeignKey(
        "sources.Source", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    report = models.TextField(blank=True)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    # When the worker running it last said so (every ``HEARTBEAT``): a job
    # whose worker stopped falls silent, and another worker may start it again.
    heartbeat_at = models.DateTimeField(
        "last heard from its worker",
        null=True,
        blank=True,
        help_text=f"Its worker writes the time here every {HEARTBEAT.seconds} seconds while the "
        f"job runs. A running job not heard from for {SILENT_AFTER.seconds // 60} minutes has "
        "likely lost its worker: a worker given the job again starts it again, or mark it "
        "failed.",
    )
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-pk"]

    def __str__(self):
        what = {JobKind.IMPORT: self.filename, JobKind.PROPOSE: str(self.source)}.get(
            JobKind(self.kind), "all groups"
        )
        return f"{self.get_kind_display()} ({what}): {self.status}"

    @property
    def last_heard(self) -> datetime.datetime | None:
        """When its worker was last heard from: its heartbeat, or its start (a job started
        before heartbeats were written); None if never."""
        return self.heartbeat_at or self.started_at

    def silent(self, now: datetime.datetime) -> bool:
        """Whether the job is running but its worker has not been heard from for
        ``SILENT_AFTER`` (or ever)."""
        if self.status != JobStatus.RUNNING:
            return False
        return self.last_heard is None or now - self.last_heard > SILENT_AFTER
