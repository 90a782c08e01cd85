"""What a full rescan last left in a subject+metric group, so that the next one can skip it."""

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
