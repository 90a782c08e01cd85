"""Propose claims from a source's stored text, for an editor to review."""

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from claims.services import source_propose
from sources.models import Source


class Command(BaseCommand):
    help = (
        "Propose claims (status proposed, origin extracted) from the stored text of the source "
        "with this key; a claim already proposed or recorded for the source is not proposed again."
    )

    def add_arguments(self, parser):
        parser.add_argument("source", help="The source's key.")

    def handle(self, *args, source: str, **options):
        found = Source.objects.filter(key=source).first()
        if found is None:
            raise CommandError(f"No source has the key \u201c{source}\u201d.")
        try:
            run = source_propose(source=found)
        except ValidationError as exc:
            raise CommandError(" ".join(exc.messages)) from exc
        self.stdout.write(
            f"Proposed {len(run.proposed)} claim(s) for review; {len(run.candidates)} new-entity "
            f"candidate(s); {len(run.skipped)} figure(s) skipped."
        )
        for candidate in run.candidates:
            self.stdout.write(f"  candidate: {candidate.name}")
