"""Back up the whole database to a file (qwenkb.backup)."""

from datetime import UTC, datetime
from pathlib import Path

from django.core.management.base import BaseCommand, CommandError
from django.db import connection

from qwenkb.backup import BackupError, backup


class Command(BaseCommand):
    help = (
        "Back up the database: pg_dump on PostgreSQL, SQLite's online backup otherwise. "
        "Restore with `manage.py restore FILE`."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", nargs="?", help="Default: backups/qwenkb-<UTC time>.<ext>")

    def handle(self, *args, file: str | None, **options):
        if file is None:
            suffix = "dump" if connection.vendor == "postgresql" else "sqlite3"
            stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
            file = f"backups/qwenkb-{stamp}.{suffix}"
        path = Path(file)
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            backup(path)
        except BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Backed up to {path}")
