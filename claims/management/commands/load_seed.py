"""Load the knowledge base fixtures (publishers, entities, metrics, sources and claims)."""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from claims.loading import FixtureError, load_knowledge_base
from claims.models import Claim


class Command(BaseCommand):
    help = (
        "Load the seed knowledge base from fixtures/ through the claim services "
        "(values read, quotes verified, conflicts detected). Atomic and idempotent."
    )

    def add_arguments(self, parser):
        parser.add_argument("--fixtures", type=Path, default=settings.FIXTURES_DIR)
        parser.add_argument(
            "--texts",
            type=Path,
            default=None,
            help="Folder with the sources' full texts (seed_file names); quotes are verified "
            f"against them. Default: {settings.SEED_TEXTS_DIR} when it exists.",
        )
        parser.add_argument(
            "--if-empty",
            action="store_true",
            help="Do nothing when the database already holds claims.",
        )

    def handle(self, *args, fixtures: Path, texts: Path | None, if_empty: bool, **options):
        if if_empty and Claim.objects.exists():
            self.stdout.write("The database already holds claims; the seed was not loaded again.")
            return
        if texts is None and Path(settings.SEED_TEXTS_DIR).is_dir():
            texts = Path(settings.SEED_TEXTS_DIR)
        if texts is not None and not texts.is_dir():
            raise CommandError(f"--texts {texts}: no such folder.")
        try:
            report = load_knowledge_base(fixtures, texts=texts)
        except FixtureError as exc:
            raise CommandError(f"Nothing was loaded. {exc}") from exc
        for line in report.lines():
            self.stdout.write(line)
        where = f" (quotes verified against {texts})" if texts else " (no source texts given)"
        self.stdout.write(self.style.SUCCESS(f"Seed knowledge base loaded{where}."))
