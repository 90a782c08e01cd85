"""Backing up and restoring the whole knowledge base, byte for byte.

PostgreSQL: ``pg_dump`` in its custom format and ``pg_restore`` (every table, sequence and
index; timestamps to the microsecond, so every ETag survives). SQLite: the library's online
backup API, which copies a consistent snapshot while the site keeps serving. ``dumpdata``
is no backup: it cuts timestamps to milliseconds, which changes the ETag of every object.
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from django.db import connections


class BackupError(RuntimeError):
    """A backup or restore that could not be done, with the reason."""


def _postgres_env(settings: dict) -> tuple[list[str], dict]:
    """Connection arguments and environment for the PostgreSQL client tools."""
    args = ["--host", settings["HOST"] or "127.0.0.1", "--port", str(settings["PORT"] or 5432)]
    if settings["USER"]:
        args += ["--username", settings["USER"]]
    env = os.environ.copy()
    if settings.get("PASSWORD"):
        env["PGPASSWORD"] = settings["PASSWORD"]
    return args, env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed; on Debian: apt-get install postgresql-client.")
    return path


def _run(command: list[str], env: dict) -> None:
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()[-2000:]}")


def backup(path: Path, alias: str = "default") -> None:
    """Write a backup of the database ``alias`` to ``path``."""
    connection = connections[alias]
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        args, env = _postgres_env(settings)
        command = [_tool("pg_dump"), *args, "--format=custom", "--no-owner"]
        _run([*command, "--file", str(path), settings["NAME"]], env)
    elif connection.vendor == "sqlite":
        connection.ensure_connection()
        target = sqlite3.connect(path)
        try:
            connection.connection.backup(target)
        finally:
            target.close()
    else:
        raise BackupError(f"No backup method for {connection.vendor}.")


def restore(path: Path, alias: str = "default") -> None:
    """Replace the database ``alias``'s contents with the backup at ``path``."""
    if not path.is_file():
        raise BackupError(f"No backup file at {path}.")
    connection = connections[alias]
    settings = connection.settings_dict
    if connection.vendor == "postgresql":
        connection.close()  # pg_restore --clean drops the tables; hold no locks on them
        args, env = _postgres_env(settings)
        command = [_tool("pg_restore"), *args, "--clean", "--if-exists", "--no-owner"]
        _run([*command, "--single-transaction", "--dbname", settings["NAME"], str(path)], env)
    elif connection.vendor == "sqlite":
        source = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            if source.execute("PRAGMA integrity_check").fetchone()[0] != "ok":
                raise BackupError(f"{path} is not an intact SQLite database.")
            connection.ensure_connection()
            source.backup(connection.connection)
        except sqlite3.DatabaseError as exc:
            raise BackupError(f"{path} is not a SQLite backup: {exc}") from exc
        finally:
            source.close()
    else:
        raise BackupError(f"No restore method for {connection.vendor}.")
