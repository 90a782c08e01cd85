"""A real streaming replica of the local PostgreSQL, made for the tests and thrown away after.

``pg_basebackup -R`` copies the primary into a temporary directory (as the postgres account,
which owns the server's files) and a second postmaster serves the copy on a free port as a
hot standby that keeps replaying the primary's WAL. The primary must accept replication
connections from 127.0.0.1: ``ensure_replication_allowed`` adds the pg_hba.conf line when it is
missing (CI runs as root, as does a developer's machine here) and reloads the server.
"""

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg

HBA_LINE = "host replication all 127.0.0.1/32 trust"
# A hot standby refuses to start with less of these than its primary has.
MATCHED = (
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
)


def _bin(name: str) -> str:
    found = sorted(Path("/usr/lib/postgresql").glob(f"*/bin/{name}"))
    return str(found[-1]) if found else name


def _as_postgres(*command: str, timeout: float) -> subprocess.CompletedProcess:
    prefix = [] if os.geteuid() != 0 else ["runuser", "-u", "postgres", "--"]
    return subprocess.run(
        [*prefix, *command], capture_output=True, text=True, timeout=timeout, check=True
    )


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def ensure_replication_allowed(primary: str) -> None:
    """Let 127.0.0.1 open replication connections, and check WAL carries enough for a standby."""
    with psycopg.connect(primary, autocommit=True) as conn:
        wal_level = conn.execute("SHOW wal_level").fetchone()[0]
        if wal_level not in ("replica", "logical"):
            raise RuntimeError(f"wal_level is {wal_level}; a replica needs 'replica' (restart)")
        allowed = conn.execute(
            "SELECT count(*) FROM pg_hba_file_rules"
            " WHERE 'replication' = ANY(database) AND error IS NULL"
        ).fetchone()[0]
        if allowed:
            return
        hba = Path(conn.execute("SHOW hba_file").fetchone()[0])
        hba.write_text(hba.read_text() + f"\n# added by QwenKB's replica tests\n{HBA_LINE}\n")
        conn.execute("SELECT pg_reload_conf()")
    time.sleep(0.5)


class Replica:
    """A hot standby of ``primary`` (a libpq URL of a superuser) on a port of its own."""

    def __init__(self, primary: str):
        self.primary = primary
        self.port = free_port()
        self.directory = Path(tempfile.mkdtemp(prefix="qwenkb-replica-"))
        self.data = self.directory / "data"
        self.log = self.directory / "postmaster.log"

    def create(self) -> "Replica":
        """Copy the primary and start serving the copy (about a second for a small cluster)."""
        ensure_replication_allowed(self.primary)
        shutil.chown(self.directory, "postgres", "postgres")
        info = psycopg.conninfo.conninfo_to_dict(self.primary)
        _as_postgres(
            _bin("pg_basebackup"),
            f"--host={info.get('host', '127.0.0.1')}",
            f"--port={info.get('port', 5432)}",
            f"--username={info.get('user', 'postgres')}",
            f"--pgdata={self.data}",
            "--write-recovery-conf",
            "--wal-method=stream",
            "--checkpoint=fast",
            "--no-sync",
            timeout=300,
        )
        with psycopg.connect(self.primary, autocommit=True) as conn:
            matched = {name: conn.execute(f"SHOW {name}").fetchone()[0] for name in MATCHED}
        # Debian keeps the primary's configuration outside its data directory: write the
        # standby's own, listening on 127.0.0.1 only.
        settings = {
            "listen_addresses": "'127.0.0.1'",
            "port": self.port,
            "unix_socket_directories": f"'{self.directory}'",
            "hot_standby": "on",
            "shared_buffers": "'32MB'",
            "fsync": "off",
            **matched,
        }
        conf = "".join(f"{name} = {value}\n" for name, value in settings.items())
        (self.data / "postgresql.conf").write_text(conf)
        (self.data / "pg_hba.conf").write_text(
            "local all all trust\nhost all all 127.0.0.1/32 trust\n"
        )
        (self.data / "pg_ident.conf").write_text("")
        for name in ("postgresql.conf", "pg_hba.conf", "pg_ident.conf"):
            shutil.chown(self.data / name, "postgres", "postgres")
        self.start()
        return self

    def start(self) -> None:
        _as_postgres(
            _bin("pg_ctl"), "start", "-w", "-t", "60", "-D", str(self.data), "-l", str(self.log),
            timeout=90,
        )  # fmt: skip

    def stop(self) -> None:
        _as_postgres(_bin("pg_ctl"), "stop", "-m", "fast", "-D", str(self.data), timeout=90)

    def url(self, database: str) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}/{database}"

    def wait_for(self, primary_conn, timeout: float = 30) -> None:
        """Wait until the replica has replayed everything the primary has written so far."""
        lsn = primary_conn.execute("SELECT pg_current_wal_lsn()").fetchone()[0]
        deadline = time.monotonic() + timeout
        with psycopg.connect(self.url("postgres"), autocommit=True) as replica:
            while time.monotonic() < deadline:
                caught_up = replica.execute(
                    "SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [lsn]
                ).fetchone()[0]
                if caught_up:
                    return
                time.sleep(0.05)
        raise TimeoutError(f"the replica did not replay {lsn} within {timeout} s")

    def destroy(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.stop()
        shutil.rmtree(self.directory, ignore_errors=True)
