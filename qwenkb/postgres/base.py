"""Django's PostgreSQL backend, with a health check that costs no round trip while it can,
lists of ids sent as one array parameter (``arrays``), and statements with a pattern planned
for their values (``patterns``).

With ``CONN_HEALTH_CHECKS`` Django asks a kept connection ``SELECT 1`` before the first
query of every request, so that a connection the server has closed (a restart, an idle
timeout) is replaced instead of failing the request: one round trip more per request,
~0.1 ms of the app's CPU and the server's on every API read (bench/notes.md).

A server that closes a connection says so on it: it sends its error (``57P01``, terminating
connection) and the socket's end, both of which make the socket readable. A connection that
is idle between transactions has nothing else to read, so an idle connection whose socket
has nothing to read is one the server still holds, and needs no question. Anything else (a
connection in a transaction, a broken one, or a socket with something to read, even a
notice) is asked ``SELECT 1`` as Django asks it. What neither check can see (a server gone
without a word, a cable cut) fails the request's first query instead, which Django handles
as always: a 503 from ``qwenkb.middleware`` and the connection closed at the request's end.
"""

import select

from django.db.backends.postgresql import base
from psycopg.pq import TransactionStatus

from qwenkb.postgres import arrays, patterns


def says_nothing(connection) -> bool:
    """Whether a psycopg connection is idle, whole and has nothing from the server to read."""
    if connection.closed or connection.broken:
        return False
    if connection.info.transaction_status != TransactionStatus.IDLE:
        return False
    readable, _, _ = select.select([connection.fileno()], [], [], 0)
    return not readable


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.execute_wrappers.append(patterns.unprepared_patterns)  # outermost, for good

    def get_new_connection(self, conn_params):
        connection = super().get_new_connection(conn_params)
        arrays.register(connection)
        return connection

    def is_usable(self):
        if self.connection is not None and says_nothing(self.connection):
            return True
        return super().is_usable()
