"""Statements that match a pattern are planned for their values, every time they run.

``contains``, ``icontains``, ``startswith`` and their kin become ``LIKE`` with the pattern as
a parameter, and the best plan depends on the pattern: a word that few claims contain is
found through a trigram index (claims migration 0016), one that most contain by reading in
order. A plan made once for any pattern, which is what PostgreSQL runs a prepared statement
with from its sixth run on if it costs no more than the plans before (its *generic* plan,
costed for a pattern it cannot see), reads every claim for a word found nowhere: at a million
claims a search went from under a millisecond to 0.9 s on its sixth run (bench/notes.md).

So a statement with a pattern is never prepared (psycopg sends it unnamed, and PostgreSQL
plans it with its values), and ``qwenkb.prepared.values_rows`` does not ask a generic plan for
it. Every other statement is prepared as settings.py says.
"""


def planned_for_its_values(sql: str) -> bool:
    """Whether ``sql`` matches a pattern, and so is to be planned with its values each time."""
    return " LIKE " in sql


def unprepared_patterns(execute, sql, params, many, context):
    """An execute wrapper (every connection of ``qwenkb.postgres``): a statement with a pattern
    runs unprepared, whatever ``prepare_threshold`` says."""
    if not planned_for_its_values(sql):
        return execute(sql, params, many, context)
    connection = context["connection"].connection
    threshold = connection.prepare_threshold
    connection.prepare_threshold = None  # psycopg: never prepare
    try:
        return execute(sql, params, many, context)
    finally:
        connection.prepare_threshold = threshold
