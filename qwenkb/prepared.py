"""Querysets compiled to SQL once per process, then run with each request's values.

Building and compiling a queryset costs far more CPU than running its SQL: a page of claims
reads ~30 columns over five joins, and Django rebuilds and recompiles that statement on
every request (~2 ms of CPU for ~0.1 ms of SQL, bench/notes.md). A ``Prepared`` query is a
function from values to a queryset, built once with stand-ins for the values, compiled once
per database alias, and from then on only executed: the values take the stand-ins' places
in the parameters, and the rows go through the same converters as the ORM's own.

The stand-ins must come out of the compiler as parameters of their own, unchanged (an
equality or ``in`` filter does; ``icontains`` wraps its value and does not): compiling
refuses a queryset in which any stand-in is missing or altered, so a query that cannot be
prepared fails at its first use in tests, never by answering the wrong rows.
"""

import contextlib
import copy
import functools
import threading
from collections.abc import Callable, Iterable, Sequence
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any, TypeVar

from django.core.exceptions import EmptyResultSet
from django.db import connections, router
from django.db.models import Model, QuerySet
from django.db.models.query import ModelIterable
from psycopg.pq import TransactionStatus

from qwenkb.postgres.patterns import planned_for_its_values

M = TypeVar("M", bound=Model)
_INT_BASE = -1_000_000_000  # no id is negative; within a 32-bit column's range


def _stand_in(kind: type, number: int):
    if kind is int:
        return _INT_BASE - number
    # A NUL cannot reach a query (qwenkb.middleware.RequestGuardMiddleware refuses it).
    return f"\x00prepared-{number}\x00"


@dataclass(frozen=True)
class _Compiled:
    sql: str
    slots: tuple[int | None, ...]  # per parameter: the value's position, or None (a constant)
    constants: tuple
    compiler: Any
    converters: dict
    names: tuple[str, ...]
    queryset: Any = None  # a queryset of model instances, to run again


class Prepared:
    """``build(*values)``, a ``values()`` queryset of ``model``, compiled once, run as plain SQL.

    ``kinds`` gives each value's type (``int`` or ``str``), for its stand-in; a value that is
    a list of ints is written ``(int,)`` and filtered with ``__in``. On PostgreSQL the list
    is one array parameter (``= ANY(%s)``), so one statement serves every length of list
    (compiled once, planned once per connection); elsewhere it is compiled once per length.
    """

    def __init__(self, model: type[Model], build: Callable[..., QuerySet], *kinds):
        self.model, self.build, self.kinds = model, build, kinds
        self._compiled: dict[tuple, _Compiled] = {}

    def _compile(self, alias: str, sizes: tuple) -> _Compiled:
        stand_ins, number, arrays = [], 0, set()
        for kind, size in zip(self.kinds, sizes, strict=True):
            if size is None:
                stand_ins.append(_stand_in(kind, number))
                number += 1
            elif size is _ARRAY:
                stand_ins.append([_stand_in(kind[0], number)])
                arrays.add(number)
                number += 1
            else:
                stand_ins.append([_stand_in(kind[0], number + i) for i in range(size)])
                number += size
        flat = [v for value in stand_ins for v in (value if isinstance(value, list) else [value])]
        queryset = self.build(*stand_ins).using(alias)
        compiler = queryset.query.get_compiler(using=alias)
        sql, params = compiler.as_sql()
        position = {value: i for i, value in enumerate(flat)}
        slots = tuple(position.get(p) if isinstance(p, int | str) else None for p in params)
        if arrays:
            sql = _as_arrays(sql, [slot in arrays for slot in slots], queryset)
        seen = {slot for slot in slots if slot is not None}
        altered = [
            p for p, slot in zip(params, slots, strict=True) if slot is None and _holds(p, flat)
        ]
        if seen != set(range(len(flat))) or altered:
            raise TypeError(f"cannot prepare {queryset.query}: its values are not plain parameters")
        if queryset._iterable_class is ModelIterable:
            return _Compiled(sql, slots, tuple(params), compiler, {}, (), queryset)
        return _finish(queryset.query, compiler, sql, slots, params)

    def _bind(self, values, using: str | None) -> tuple[_Compiled, list, str]:
        """The compiled statement for ``values``, its parameters and the database alias."""
        alias = using or router.db_for_read(self.model)
        arrays = connections[alias].vendor == "postgresql"
        sizes = tuple(
            (_ARRAY if arrays else len(value)) if isinstance(kind, tuple) else None
            for kind, value in zip(self.kinds, values, strict=True)
        )
        compiled = self._compiled.get((alias, sizes))
        if compiled is None:
            compiled = self._compiled[(alias, sizes)] = self._compile(alias, sizes)
        flat: list = []
        for kind, value in zip(self.kinds, values, strict=True):
            if not isinstance(kind, tuple):
                flat.append(value)
            elif arrays:
                flat.append(list(value))  # one array parameter
            else:
                flat.extend(value)
        params = [
            constant if slot is None else flat[slot]
            for slot, constant in zip(compiled.slots, compiled.constants, strict=True)
        ]
        return compiled, params, alias

    def _run(self, values, using: str | None) -> tuple[_Compiled, list, str]:
        compiled, params, alias = self._bind(values, using)
        return compiled, _fetch(alias, compiled.sql, params), alias

    def rows(self, *values, using: str | None = None) -> list[dict]:
        """The rows for ``values``, as ``values()`` would give them, in the query's order."""
        known = _together.get()
        if known is not None:
            key = (self, values, using or router.db_for_read(self.model))
            if key in known:
                return [dict(row) for row in known[key]]
        return _dicts(*self._run(values, using))

    @functools.cached_property
    def one_row(self) -> bool:
        """Whether the statement reads at most one row (``first_row``) and takes only plain
        values: such statements can run side by side as one (``fetched_together``)."""
        if any(isinstance(kind, tuple) for kind in self.kinds):
            return False
        query = self.build(*(_stand_in(kind, n) for n, kind in enumerate(self.kinds))).query
        return query.low_mark == 0 and query.high_mark == 1

    def objects(self, *values, using: str | None = None) -> list:
        """The model instances for ``values``, as iterating the queryset gives them (its
        ``select_related`` objects and annotations included; no prefetching)."""
        compiled, fetched, alias = self._run(values, using)
        # Django's own ModelIterable, handed a compiler that is the compiled one, run.
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connections[alias]
        compiler.execute_sql = lambda *args, **kwargs: [fetched]
        queryset = compiled.queryset._chain()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler
        return list(ModelIterable(queryset))


_ARRAY = "array"  # the size of a list passed as one array parameter

# Rows fetched ahead by ``fetched_together``, by (statement, values, alias), while its block runs.
_together: ContextVar[dict | None] = ContextVar("qwenkb_prepared_together", default=None)


@contextlib.contextmanager
def fetched_together(calls: Iterable[tuple[Prepared, tuple]]):
    """Within the block, ``prepared.rows(*values)`` of each of ``calls`` answers from one
    statement run as the block starts, not from a statement of its own.

    Only calls that read at most one row with plain values go together
    (``Prepared.one_row``): a filter's look-ups of the objects it names (an entity by slug, a
    metric by slug), which would otherwise cost a round trip and a statement each. On
    PostgreSQL, two or more such calls on one database run as one statement, each its own
    ``LEFT JOIN LATERAL`` subquery of one row, side by side in one row: the same statements,
    seeing one snapshot. Anything else (one call, another database or another vendor, a
    statement of more rows, a call not asked for here) runs as it would without the block.
    """
    together = dict.fromkeys(  # in order, each call once
        (statement, tuple(values), router.db_for_read(statement.model))
        for statement, values in calls
        if statement.one_row
    )
    aliases = {alias for _, _, alias in together}
    known = None
    if len(together) > 1 and len(aliases) == 1:
        (alias,) = aliases
        if connections[alias].vendor == "postgresql":
            known = _side_by_side(alias, list(together))
    token = _together.set(known)
    try:
        yield
    finally:
        _together.reset(token)


def _side_by_side(alias: str, calls: list[tuple]) -> dict:
    """One row holding each call's row (NULLs where it has none), split back by call."""
    joins, params, bound = [], [], []
    for number, (statement, values, _) in enumerate(calls):
        compiled, statement_params, _ = statement._bind(values, alias)
        joins.append(f"LEFT JOIN LATERAL ({compiled.sql}) AS t{number} ON TRUE")
        params += statement_params
        bound.append(compiled)
    sql = "SELECT * FROM (VALUES (1)) AS one (x) " + " ".join(joins)
    (row,) = _fetch(alias, sql, params)
    known, start = {}, 1  # after the one column of (VALUES (1))
    for key, compiled in zip(calls, bound, strict=True):
        width = len(compiled.names)
        part = row[start : start + width]
        start += width
        # A row of the table has a primary key: all NULLs is the join finding none.
        known[key] = [] if all(value is None for value in part) else _dicts(compiled, [part], alias)
    return known


def _as_arrays(sql: str, marked: list[bool], queryset) -> str:
    """``sql`` with each marked parameter's ``IN (%s)`` written ``= ANY(%s)``."""
    parts = sql.split("%s")
    if len(parts) != len(marked) + 1:
        raise TypeError(f"cannot prepare {queryset.query}: its placeholders are not plain")
    for i, is_array in enumerate(marked):
        if not is_array:
            continue
        if not (parts[i].endswith(" IN (") and parts[i + 1].startswith(")")):
            raise TypeError(f"cannot prepare {queryset.query}: a list not filtered with __in")
        parts[i] = parts[i][: -len(" IN (")] + " = ANY("
    return "%s".join(parts)


_lock = threading.Lock()
_SHAPES_KEPT = 256
_shapes: dict[tuple, _Compiled | None] = {}  # oldest first


def values_rows(queryset: QuerySet, columns: Sequence[str]) -> list[dict]:
    """``list(queryset.values(*columns))``, the wide statement compiled once per shape.

    A filtered, ordered and sliced queryset of a list page changes with every request, but
    only in its values: its statement selecting the primary key alone (cheap to compile)
    names its shape. The first time a shape is seen, the wide statement is compiled too and
    kept under it, if its parameters are the narrow one's (the columns add none); from then
    on the wide statement runs with the narrow one's parameters. The ``_SHAPES_KEPT`` most
    recent shapes are kept (an offset is part of a shape).
    """
    alias = queryset.db
    try:
        sql, params = queryset.values_list("pk").query.get_compiler(using=alias).as_sql()
    except EmptyResultSet:
        return []
    key = (alias, tuple(columns), sql)
    with _lock:
        known = key in _shapes
        compiled = _shapes.pop(key, None)
    if not known:
        compiled = _compile_wide(queryset, columns, params)
    with _lock:
        _shapes[key] = compiled
        while len(_shapes) > _SHAPES_KEPT:
            del _shapes[next(iter(_shapes))]
    if compiled is None:
        return list(queryset.values(*columns))
    generic = not planned_for_its_values(compiled.sql)  # the rule: qwenkb.postgres.patterns
    return _dicts(compiled, _fetch(alias, compiled.sql, params, generic=generic), alias)


def _compile_wide(queryset: QuerySet, columns: Sequence[str], params) -> _Compiled | None:
    wide = queryset.values(*columns)
    compiler = wide.query.get_compiler(using=queryset.db)
    sql, wide_params = compiler.as_sql()
    if list(wide_params) != list(params):
        return None
    return _finish(wide.query, compiler, sql, (None,) * len(params), params)


def _binary(execute, sql, params, many, context):
    """An execute wrapper (innermost): the rows in PostgreSQL's binary format."""
    cursor = context["cursor"].cursor
    adapters = cursor.connection.adapters
    if not getattr(adapters, "qwenkb_binary_as_django", False):
        # A cursor copies its connection's loaders when it is made: this one needs them too.
        for loaders in (adapters, cursor.adapters):
            for name, loader in _binary_loaders(adapters).items():
                loaders.register_loader(name, loader)
        adapters.qwenkb_binary_as_django = True
    return cursor.execute(sql, params, binary=True)


def _binary_loaders(adapters) -> dict:
    """Binary loaders giving what Django's text loaders give (psycopg_any): JSON as text
    (``JSONField.from_db_value`` decodes it) and timestamps in the connection's zone."""
    from psycopg.adapt import Loader
    from psycopg.postgres import types
    from psycopg.pq import Format
    from psycopg.types.datetime import TimestamptzBinaryLoader

    text_loader = adapters.get_loader(types["timestamptz"].oid, Format.TEXT)
    zone = getattr(text_loader, "timezone", None)

    class JsonbAsText(Loader):
        format = Format.BINARY

        def load(self, data):
            return bytes(data[1:]).decode()  # after jsonb's version byte

    class TimestamptzInZone(TimestamptzBinaryLoader):
        def load(self, data):
            return super().load(data).replace(tzinfo=zone)

    loaders: dict = {"jsonb": JsonbAsText}
    if hasattr(text_loader, "timezone"):  # Django's own text loader
        loaders["timestamptz"] = TimestamptzInZone
    return loaders


def _fetch(alias: str, sql: str, params, *, generic: bool = False) -> list:
    """The rows of a compiled statement, through Django's cursor (its execute wrappers,
    query logging and counts). On PostgreSQL the rows come in binary format: the same values
    as text, read without parsing (timestamps in text cost ~20 µs each to parse).

    ``generic``: PostgreSQL plans the statement once per connection, not for each request's
    values. It decides that itself by comparing costs, and keeps planning a list page's wide
    statement anew whenever a range is among its values: ~4 ms of planning (six joins) for
    ~0.7 ms of running, on every request of a value range (bench/notes.md). A list page's
    joins only look up the rows of its main table's, which its own filters and order select
    through an index whatever the values, so one plan serves every request; not so for a
    pattern (``LIKE``), which ``values_rows`` lets be planned for its values (the rule:
    ``qwenkb.postgres.patterns``). The setting is made on this statement's behalf and undone
    after it (neither counts as a query)."""
    connection = connections[alias]
    with connection.cursor() as cursor:
        if connection.vendor != "postgresql":
            cursor.execute(sql, params)
            return cursor.fetchall()
        if not generic:
            with connection.execute_wrapper(_binary):
                cursor.execute(sql, params)
            return cursor.fetchall()
        raw = connection.connection
        # One round trip for the three statements (psycopg's pipeline mode).
        try:
            # Django's own error classes, as for any query (the pipeline raises at its end).
            with (
                connection.wrap_database_errors,
                raw.pipeline(),
                connection.execute_wrapper(_binary),
            ):
                raw.execute("SET plan_cache_mode = force_generic_plan")
                cursor.execute(sql, params)
                raw.execute("RESET plan_cache_mode")
        except Exception:
            # The statement failed, so the reset never ran: outside a transaction, undo the
            # setting now; inside one, its rollback undoes it.
            if raw.info.transaction_status == TransactionStatus.IDLE:
                raw.execute("RESET plan_cache_mode")
            raise
        return cursor.fetchall()


def _finish(query, compiler, sql: str, slots, params) -> _Compiled:
    # As ValuesIterable names a row's values.
    names = tuple(
        query.selected or (*query.extra_select, *query.values_select, *query.annotation_select)
    )
    fields = [s[0] for s in compiler.select[0 : compiler.col_count]]
    if compiler.has_composite_fields(fields) or len(fields) != len(names):
        raise TypeError(f"cannot prepare {query}: not a plain values() query")
    converters = compiler.get_converters(fields)
    return _Compiled(sql, tuple(slots), tuple(params), compiler, converters, names)


def _dicts(compiled: _Compiled, fetched, alias: str) -> list[dict]:
    """Rows as ``values()`` gives them: the ORM's converters (as ``apply_converters`` runs
    them, with this thread's connection), then a dict per row."""
    names, converters = compiled.names, list(compiled.converters.items())
    if not converters:
        return [dict(zip(names, row, strict=True)) for row in fetched]
    connection = connections[alias]
    rows = []
    for fetched_row in fetched:
        row = list(fetched_row)
        for position, (functions, expression) in converters:
            value = row[position]
            for function in functions:
                value = function(value, expression, connection)
            row[position] = value
        rows.append(dict(zip(names, row, strict=True)))
    return rows


def _holds(param, stand_ins: Sequence) -> bool:
    if isinstance(param, str):
        return any(isinstance(s, str) and s in param for s in stand_ins)
    if isinstance(param, list | tuple):
        return any(_holds(p, stand_ins) for p in param)
    return False


def first_row(queryset: QuerySet) -> QuerySet:
    """What ``queryset.first()`` reads, as a ``values()`` query of every column."""
    ordered = queryset if queryset.ordered else queryset.order_by("pk")
    return ordered.values(*concrete_fields(queryset.model))[:1]


def instance(model: type[M], row: dict | None, using: str | None = None) -> M | None:
    """A model instance from a prepared row of ``concrete_fields(model)``, as the ORM makes it."""
    if row is None:
        return None
    names = concrete_fields(model)
    db = using or router.db_for_read(model)
    return model.from_db(db, names, [row[name] for name in names])


def concrete_fields(model: type[Model]) -> list[str]:
    """The names ``values()`` takes for every column of ``model`` (what an instance loads)."""
    return [field.attname for field in model._meta.concrete_fields]
