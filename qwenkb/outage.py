"""What counts as the database being unreachable, and how the work it stopped says so, for
the servers, the commands and the admin's jobs alike."""

import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import TypeVar

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


T = TypeVar("T")

# Seconds to wait before each new try of ``retried`` (about a minute in all): a restart
# or a failover is over in seconds, a server that is down stays down.
WAITS = (0.5, 1, 2, 4, 8, 16, 30)


def retried(write: Callable[[], T], waits: Sequence[float] = WAITS) -> T:
    """``write()``, tried again on a new connection while the database cannot be reached
    (outside a transaction, which could not go on without its connection); the last error
    when it never comes back."""
    for wait in waits:
        try:
            return write()
        except UNREACHABLE:
            if connection.in_atomic_block:
                raise
            connection.close()  # the next query opens a new connection
            time.sleep(wait)
    return write()
