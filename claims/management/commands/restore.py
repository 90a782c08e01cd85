"""Replace the database's contents with a backup made by `manage.py backup` (qwenkb.backup)."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from qwenkb import readcache
from qwenkb.backup import BackupError, restore


class Command(BaseCommand):
    help = "Restore a backup made by `manage.py backup`; everything in the database is replaced."

    def add_arguments(self, parser):
        parser.add_argument("file")

    def handle(self, *args, file: str, **options):
        try:
            restore(Path(file))
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        # A restored SQLite file carries its old change counter: stored reads could match it.
        readcache.clear()
        self.stdout.write(f"Restored {file}")
