"""Measure the extractor on the seed: recall and precision against the curated fixtures."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.extraction.evaluation import evaluate


class Command(BaseCommand):
    help = (
        "Extract from the seed texts into a catalogue of the fixtures' entities, metrics and "
        "publishers (no claims), and report recall and precision on quantity and date claims."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", type=Path, default=settings.FIXTURES_DIR)
        parser.add_argument(
            "--texts",
            type=Path,
            default=Path(settings.SEED_TEXTS_DIR),
            help=f"Folder with the seed texts. Default: {settings.SEED_TEXTS_DIR}.",
        )
        parser.add_argument(
            "--details", action="store_true", help="List the missed claims and wrong proposals."
        )

    def handle(self, *args, fixtures: Path, texts: Path, details: bool, **options):
        if not texts.is_dir():
            raise CommandError(f"--texts {texts}: no such folder (set SEED_TEXTS_DIR).")
        try:
            result = evaluate(fixtures, texts)
        except (OSError, KeyError, ValueError) as exc:
            raise CommandError(f"Cannot evaluate: {exc}") from exc
        for score in result.sources:
            self.stdout.write(
                f"{score.key}: found {score.found}/{score.gold}, right {score.right}/{score.proposed}"
            )
            if details:
                for claim in score.missed:
                    self.stdout.write(
                        f"  missed {claim['subject']} {claim['metric']} {claim['value']!s}: "
                        f"{str(claim['quote'])[:100]}"
                    )
                for proposal in score.wrong:
                    self.stdout.write(
                        f"  unconfirmed {proposal.subject} {proposal.metric} "
                        f"{proposal.value_text}: {proposal.reason.sentence()}"
                    )
        other = result.other
        if details:
            for score in other.sources:
                for claim in score.missed:
                    self.stdout.write(
                        f"  other missed {claim['subject']} {claim['metric']} {claim['value']!s}"
                    )
                for proposal in score.wrong:
                    self.stdout.write(
                        f"  other unconfirmed {proposal.subject} {proposal.metric} "
                        f"{proposal.value_text}: {proposal.reason.sentence()}"
                    )
        self.stdout.write(
            f"Text, entity and yes/no claims: recall {other.recall:.1%} ({other.found} of "
            f"{other.gold}); precision {other.precision:.1%} ({other.right} of "
            f"{other.proposed} proposals right)."
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Recall {result.recall:.1%} ({result.found} of {result.gold} quantity and date "
                f"claims found); precision {result.precision:.1%} ({result.right} of "
                f"{result.proposed} proposals right)."
            )
        )
