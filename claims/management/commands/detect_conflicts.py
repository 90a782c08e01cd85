"""Re-check every subject+metric group for contradictions and discrepancies."""

from django.core.management.base import BaseCommand, CommandError

from claims import detection
from claims.models import Metric
from claims.selectors import entity_resolve
from qwenkb.outage import stops_command

# Each batch is its own transaction: a rescan that stops keeps the batches it committed.
KEPT = "The batches committed before it are kept; run detect_conflicts again to finish."
KEPT_DRY = "It was a dry run: nothing was written."


class Command(BaseCommand):
    help = (
        "Full rescan: make the contradiction records match the rules for the current claims. "
        "Idempotent; dismissed and resolved pairs keep their decision while it holds."
    )
    # The system checks (URLs, admin, API schema…) took a tenth of a full rescan's time and
    # concern serving, not this data pass; `manage.py check` and every server still run them.
    requires_system_checks = []

    def add_arguments(self, parser):
        parser.add_argument("--subject", help="Only this entity (slug or alias).")
        parser.add_argument("--metric", help="Only this metric (slug).")
        parser.add_argument("--dry-run", action="store_true", help="Report, but write nothing.")
        parser.add_argument("--batch-size", type=int, default=2000, help="Groups per batch.")
        parser.add_argument(
            "--every-group",
            action="store_true",
            help="Judge every group that could hold a conflict, also those that nothing "
            "changed in since a rescan last judged them (PostgreSQL skips those otherwise, "
            "and the whole pass when nothing the rules read was written since the last).",
        )

    def handle(self, *args, subject, metric, dry_run, batch_size, every_group, **options):
        if batch_size < 1:
            raise CommandError("--batch-size must be at least 1.")
        subject_ids = metric_ids = None
        if subject:
            entity = entity_resolve(subject)
            if entity is None:
                raise CommandError(f"--subject {subject}: no entity has this slug, name or alias.")
            subject_ids = [entity.pk]
        if metric:
            found = Metric.objects.filter(slug=metric).first()
            if found is None:
                raise CommandError(f"--metric {metric}: no metric has this slug.")
            metric_ids = [found.pk]

        shown = False  # a progress line is on the terminal, not yet ended

        def progress(done: int, total: int) -> None:
            nonlocal shown
            if total > batch_size:
                # Of the groups found to judge so far: on PostgreSQL, groups nothing changed
                # in since the last rescan are neither judged nor counted here.
                self.stderr.write(f"\r{done:,}/{total:,} groups judged", ending="")
                shown = done != total
                if not shown:
                    self.stderr.write("")

        try:
            with stops_command(KEPT_DRY if dry_run else KEPT):
                summary = detection.rescan(
                    subject_ids=subject_ids,
                    metric_ids=metric_ids,
                    dry_run=dry_run,
                    batch_size=batch_size,
                    progress=progress,
                    every_group=every_group,
                )
        finally:
            if shown:
                self.stderr.write("")
        prefix = ""
        if dry_run:
            prefix = "Dry run (nothing written): " + ("" if summary.since else "would have ")
        self.stdout.write(prefix + summary.report())
