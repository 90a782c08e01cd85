"""What counts as the database being unreachable, and how the work it stopped says so, for
the servers, the commands and the admin's jobs alike."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError, connection

# Raised when the server is down, restarting or unreachable, or the connection was closed
# under a query: the request or the command could not finish, and retrying later can.
UNREACHABLE = (OperationalError, InterfaceError)


def stopped(error: Exception, kept: str) -> str:
    """One sentence for work ``error`` stopped: the database's own reason (its first line),
    then ``kept``, what the work done so far left and how to finish."""
    reason = next((line.strip() for line in str(error).splitlines() if line.strip()), "")
    return f"The database stopped answering ({reason or type(error).__name__}). {kept}"


@contextmanager
def stops_command(kept: str) -> Iterator[None]:
    """Ends a management command that loses its database with one line (``stopped``), not
    a traceback."""
    try:
        yield
    except UNREACHABLE as exc:
        raise CommandError(stopped(exc, kept)) from exc


def reconnect() -> bool:
    """Drops a connection an outage broke, so that the next query opens a new one; False
    inside a transaction, which cannot go on without it."""
    if connection.in_atomic_block:
        return False
    connection.close()
    return True
