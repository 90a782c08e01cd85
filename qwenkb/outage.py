"""What counts as the database being unreachable, for the servers and the commands alike."""

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError

# Raised when the server is down, restarting or unreachable, or the connection was closed
# under a query: the request or the command could not finish, and retrying later can.
UNREACHABLE = (OperationalError, InterfaceError)


@contextmanager
def stops_command(kept: str) -> Iterator[None]:
    """Ends a management command that loses its database with one line saying so and
    ``kept`` (what the work done so far left, and how to finish), not a traceback."""
    try:
        yield
    except UNREACHABLE as exc:
        reason = next((line.strip() for line in str(exc).splitlines() if line.strip()), "")
        raise CommandError(
            f"The database stopped answering ({reason or type(exc).__name__}). {kept}"
        ) from exc
