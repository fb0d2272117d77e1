"""Database helpers any layer may use."""

from __future__ import annotations

import threading
from collections.abc import Callable, Hashable, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import date, datetime
from typing import Any

from django.core.exceptions import EmptyResultSet
from django.db import connection, transaction
from django.db.models import Model, QuerySet


@contextmanager
def local_settings(**values: str) -> Iterator[None]:
    """PostgreSQL settings (`enable_sort="off"`, say) for the statements of the block only,
    nothing elsewhere. SET LOCAL alone would last to the end of a surrounding transaction
    and steer its every later query: the values before are put back at the block's end (an
    error inside rolls the block's savepoint back, and the settings with it); outside a
    transaction the block's own ends them. All of them in one statement each way: a search
    set five, a round trip each there and back (18 of an API search's 41 statements)."""
    if connection.vendor != "postgresql" or not values:
        yield
        return
    names, wanted = list(values), list(values.values())
    outer = connection.in_atomic_block or not connection.get_autocommit()
    with transaction.atomic(), connection.cursor() as cursor:
        # Each row reads its setting before it sets it.
        cursor.execute(
            "SELECT current_setting(n), set_config(n, v, true) "
            "FROM unnest(%s::text[], %s::text[]) WITH ORDINALITY AS s(n, v, i) ORDER BY i",
            [names, wanted],
        )
        before = [row[0] for row in cursor.fetchall()]
        yield
        if outer:  # SET LOCAL would last to the end of the caller's transaction
            cursor.execute(
                "SELECT set_config(n, v, true) FROM unnest(%s::text[], %s::text[]) AS s(n, v)",
                [names, before],
            )


@contextmanager
def pipeline() -> Iterator[None]:
    """psycopg's pipeline on PostgreSQL (statements sent without waiting for each answer;
    a result fetched, or the end of the block, waits for all of them), else nothing. An
    error the server reports at the end of the block is raised as Django's (IntegrityError
    and the rest), as it would be from the statement itself."""
    if connection.vendor != "postgresql":
        yield
        return
    connection.ensure_connection()
    with connection.wrap_database_errors, connection.connection.pipeline():
        yield


def rows_at_once(querysets: Sequence[QuerySet]) -> list[list[tuple]]:
    """The rows of each of these `values_list` querysets, asked in one round trip on
    PostgreSQL (`pipeline`), one after the other elsewhere: a write that needs several
    reads first waits for the server once. The rows as the database gives them, so for
    columns Django converts nothing of (text, numbers)."""
    if connection.vendor != "postgresql":
        return [[tuple(row) for row in qs] for qs in querysets]
    statements = []
    for qs in querysets:
        try:
            statements.append(qs.query.sql_with_params())
        except EmptyResultSet:  # a filter that matches nothing by construction
            statements.append(None)
    with pipeline():
        cursors = [connection.cursor() if statement else None for statement in statements]
        for cursor, statement in zip(cursors, statements, strict=True):
            if cursor is not None:
                cursor.execute(*statement)
        rows = [cursor.fetchall() if cursor is not None else [] for cursor in cursors]
        for cursor in cursors:
            if cursor is not None:
                cursor.close()
    return [[tuple(row) for row in found] for found in rows]


def roomy() -> AbstractContextManager:
    """Room for a grouped or distinct query over many rows: on PostgreSQL, work_mem raised
    for the block. With the default 4 MB such a query sorts on disk instead of in memory or
    a hash: the indicators' groups (the planner guessed one per case, not how few a mask or
    a month makes), the distinct cases of a user's unit links."""
    return local_settings(work_mem="64MB")


# A statement prepared for up to this many parameters; longer lists compile each time.
PREPARED_MAX_PARAMS = 200


class PreparedValues:
    """A `values()` query compiled once per number of parameters and run again with others.

    Compiling a query with joins costs Django 1–4 ms of Python, most of a list page's time,
    while the database answers in a tenth of that. `build(params)` gives the queryset for a
    list of parameters (the page's case ids, say); its SQL, column names and converters are
    kept (per thread: a compiler belongs to its thread's connection) and each run binds the
    new parameters. The first compilation for a length checks, with distinct sentinel values,
    that the compiled parameters are exactly `params` in order, and refuses a build whose SQL
    holds anything else.
    """

    def __init__(
        self,
        build: Callable[[list[Any]], QuerySet],
        *,
        bind: Callable[[list[Any]], list[Any]] | None = None,
    ) -> None:
        # `bind`: the compiled parameters for the inputs when they are not the inputs
        # themselves (a LIKE pattern for a path prefix, say).
        self.build, self.bind = build, bind
        self._local = threading.local()

    def rows(self, params: Sequence[Any]) -> list[dict[str, Any]]:
        """The rows of build(params) as values() gives them, converted the same way."""
        return self.fetch(params).all_converted()

    def fetch(self, params: Sequence[Any]) -> Fetched:
        """The rows of build(params) as the database gives them (`raw`: tuples, hashable
        where the values are), each converted as values() converts it on demand: a caller
        that has already worked out what a row shows (serializers.list_rows_data) converts
        only the rows it has not seen."""
        params = list(params)
        if not params or len(params) > PREPARED_MAX_PARAMS:
            found = list(self.build(params)) if params else []
            # No rows still name their columns: a caller finds its values by name (an empty
            # page of a case list, offset at the count, asked them of no row and failed).
            names = list(found[0]) if found else self._statement(1)[1]
            return Fetched(names, [tuple(row.values()) for row in found], None, None)
        sql, names, compiler, converters = self._statement(len(params))
        with compiler.connection.cursor() as cursor:
            cursor.execute(sql, self.bind(params) if self.bind else params)
            rows = cursor.fetchall()
        return Fetched(names, rows, compiler, converters)

    def _statement(self, n: int) -> tuple[str, list[str], Any, Any]:
        cache = self._local.__dict__.setdefault("by_length", {})
        found = cache.get(n)
        if found is None:
            sentinels = [-(i + 1) for i in range(n)]
            qs = self.build(sentinels)
            compiler = qs.query.get_compiler(qs.db)
            sql, params = compiler.as_sql()
            expected = self.bind([str(p) for p in sentinels]) if self.bind else sentinels
            # A text column's parameter is the sentinel as text.
            if [str(p) for p in params] != [str(p) for p in expected]:
                raise ValueError("a prepared query's parameters must be exactly its inputs")
            query = qs.query
            names = [*query.extra_select, *query.values_select, *query.annotation_select]
            fields = [s[0] for s in compiler.select[: compiler.col_count]]
            found = cache[n] = (sql, names, compiler, compiler.get_converters(fields))
        return found


class Fetched:
    """The rows of a PreparedValues query as the database gave them (`raw`), with their
    column names and what converts a row as values() does."""

    __slots__ = ("_compiler", "_converters", "names", "raw")

    def __init__(self, names: list[str], raw: list[tuple], compiler: Any, converters: Any) -> None:
        self.names, self.raw = names, raw
        self._compiler, self._converters = compiler, converters

    def converted(self, raw: tuple) -> dict[str, Any]:
        """One raw row as values() gives it."""
        if self._converters:
            (raw,) = self._compiler.apply_converters([raw], self._converters)
        return dict(zip(self.names, raw, strict=True))

    def all_converted(self) -> list[dict[str, Any]]:
        """Every row as values() gives it."""
        rows = self.raw
        if self._converters:
            rows = self._compiler.apply_converters(rows, self._converters)
        return [dict(zip(self.names, row, strict=True)) for row in rows]


# (key, vendor, kind) -> (sql, params) of compiled_count and compiled_page_ids; cleared when
# it grows past this.
_COMPILED: dict[tuple, tuple[str, tuple]] = {}
COMPILED_MAX = 1024


def _compiled(key: Hashable, kind: str, build: Callable[[], QuerySet | None]) -> tuple[str, tuple]:
    slot = (key, connection.vendor, kind)
    found = _COMPILED.get(slot)
    if found is None:
        qs = build()
        if qs is None:  # no such statement (a floor that does not apply)
            found = ("", ())
        elif kind in ("count", "count_capped", "floor_capped"):
            sql, params = qs.order_by().values("pk").query.sql_with_params()
            limit = " LIMIT %s" if kind != "count" else ""
            found = (f"SELECT COUNT(*) FROM ({sql}{limit}) counted", tuple(params))
        else:
            sql, params = qs.values_list("pk", flat=True).query.sql_with_params()
            found = (f"{sql} LIMIT %s OFFSET %s", tuple(params))
        if len(_COMPILED) >= COMPILED_MAX:
            _COMPILED.clear()
        _COMPILED[slot] = found
    return found


def compiled_count(
    key: Hashable,
    build: Callable[[], QuerySet],
    *,
    cap: int | None = None,
    floor: Callable[[], QuerySet | None] | None = None,
) -> int:
    """build().count(), from SQL compiled once per `key`: the caller's promise that build()'s
    SQL and parameters depend on nothing but the key (the units a user sees, the states
    asked for). With `cap`, the counting stops at cap + 1 rows: the count is exact up to
    `cap`, and cap + 1 means "more than cap".

    With `cap` and `floor` (some of build()'s rows, cheaper to count, or None for none; the
    same promise): when the floor's rows alone reach cap + 1, cap + 1 without counting
    build()'s. One statement: the second count is a branch of a CASE, run only when taken."""
    if cap is None:
        sql, params = _compiled(key, "count", build)
    else:
        sql, params = _compiled(key, "count_capped", build)
        params = (*params, cap + 1)
        floor_sql, floor_params = _compiled(key, "floor_capped", floor) if floor else ("", ())
        if floor_sql:
            sql = f"SELECT CASE WHEN ({floor_sql}) > %s THEN %s ELSE ({sql}) END"
            params = (*floor_params, cap + 1, cap, cap + 1, *params)
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchone()[0]


# (key, vendor) -> (sql, params, position of the id) of compiled_exists.
_EXISTS: dict[tuple, tuple[str, tuple, int]] = {}

# The id an exists statement is compiled with: no row's (ids are positive), within any
# integer column's range, and found among the parameters only where the id goes.
_ID_STAND_IN = -2_000_000_019


def compiled_exists(key: Hashable, build: Callable[[int], QuerySet], pk: int) -> bool:
    """build(pk).exists(), from SQL compiled once per `key` and run with each id: the
    caller's promise that build(pk)'s SQL depends on nothing but the key and the id. The
    first compilation refuses a build in which the id is not exactly one parameter."""
    slot = (key, connection.vendor)
    found = _EXISTS.get(slot)
    if found is None:
        query = build(_ID_STAND_IN).order_by().values("pk")[:1].query
        sql, params = query.sql_with_params()
        at = [i for i, value in enumerate(params) if value == _ID_STAND_IN]
        if len(at) != 1:
            raise ValueError("the id must be exactly one parameter of a compiled exists")
        if len(_EXISTS) >= COMPILED_MAX:
            _EXISTS.clear()
        found = _EXISTS[slot] = (sql, tuple(params), at[0])
    sql, params, at = found
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params[:at], pk, *params[at + 1 :]))
        return cursor.fetchone() is not None


def compiled_page_ids(
    key: Hashable, build: Callable[[], QuerySet], *, offset: int, limit: int
) -> list[int]:
    """The ids of build()'s rows offset…offset+limit in its order, as compiled_count."""
    sql, params = _compiled(key, "ids", build)
    with connection.cursor() as cursor:
        cursor.execute(sql, (*params, limit, offset))
        return [row[0] for row in cursor.fetchall()]


def prefetched(instance: Model, relation: str, rows: list[Model]) -> None:
    """Give `instance.<relation>.all()` these rows, as prefetch_related would have read them,
    without a query: for the writer of related rows that holds them all."""
    manager = getattr(instance, relation)
    found = manager.get_queryset()  # its filter is deferred: nothing is compiled
    found._result_cache = list(rows)
    found._prefetch_done = True
    if not hasattr(instance, "_prefetched_objects_cache"):
        instance._prefetched_objects_cache = {}
    instance._prefetched_objects_cache[manager.field.remote_field.cache_name] = found


def models_copy(objs: Sequence[Model]) -> None:
    """Insert new instances of one model and set their keys, as `bulk_create` does.

    On PostgreSQL through `rows_copy`: the keys are drawn from the table's sequence in one
    query, in the order given (as bulk_create's RETURNING gives them), and the rows go in by
    COPY with their values prepared by each field as bulk_create prepares them. bulk_create
    sends each column as an array parameter that the driver quotes element by element in
    Python: for the deadline scan's thousands of supervision orders (long Chinese texts, a
    JSON basis each) that quoting cost more than the database's work (0.9 s of 2.6 s a 3,000).
    Elsewhere: bulk_create.
    """
    if not objs:
        return
    model = type(objs[0])
    if connection.vendor != "postgresql":
        model.objects.bulk_create(objs, batch_size=1000)
        return
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    rows = [[f.pre_save(obj, True) for f in fields] for obj in objs]
    keys = rows_copy(model, [f.attname for f in fields], rows)
    for key, obj in zip(keys, objs, strict=True):
        obj.pk = key
        obj._state.adding = False
        obj._state.db = connection.alias


def rows_copy(model: type[Model], names: Sequence[str], rows: Sequence[Sequence[Any]]) -> list[int]:
    """Insert new rows of a model given as plain values of the fields `names` (attnames:
    `unit_id`, not `unit`), every other field at its default; return their keys in order.

    What `models_copy` stores for the same instances, without an instance per row: at a
    million cases a first deadline scan raises ~31,000 orders, and building a model each and
    preparing its 17 values one field call at a time cost 2.6 s of the worker's CPU. Each
    value is still prepared as `_copy_value` prepares it (the check made inline, per
    column), a non-plain value (a JSON basis shared by a batch, a choices member) once per
    object. Elsewhere: bulk_create of the instances.

    Raises:
        ValueError: a name that is no concrete field of the model, or a field left out that
            sets its own value on save (auto_now).
    """
    if not rows:
        return []
    meta = model._meta
    fields = [f for f in meta.concrete_fields if f is not meta.pk]
    given = {name: i for i, name in enumerate(names)}
    unknown = set(given) - {f.attname for f in fields}
    if unknown:
        raise ValueError(f"{meta.label} has no field {sorted(unknown)}")
    if connection.vendor != "postgresql":
        objs = [model(**dict(zip(names, row, strict=True))) for row in rows]
        model.objects.bulk_create(objs, batch_size=1000)
        return [o.pk for o in objs]
    plan: list[tuple[int | None, Any, Any, bool]] = []
    for f in fields:
        if f.attname in given:
            plan.append((given[f.attname], None, f, _plain_field(f)))
        elif getattr(f, "auto_now", False) or getattr(f, "auto_now_add", False):
            raise ValueError(f"{meta.label}.{f.name} sets its value on save: give it")
        else:
            plan.append((None, _copy_value(f, f.get_default()), f, False))
    columns = ", ".join(connection.ops.quote_name(f.column) for f in (meta.pk, *fields))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, %s)) FROM generate_series(1, %s) ORDER BY 1",
            [meta.db_table, meta.pk.column, len(rows)],
        )
        keys = [row[0] for row in cursor.fetchall()]
    prepared: dict[tuple[int, int], Any] = {}  # (id of a value, column): its preparation

    def planned() -> Iterator[list[Any]]:
        for key, row in zip(keys, rows, strict=True):
            out = [key]
            for index, default, f, as_is in plan:
                if index is None:
                    out.append(default)
                    continue
                value = row[index]
                if as_is and type(value) in _AS_IS:
                    out.append(value)
                    continue
                # Dates and times too: one object a batch shares is written once as text.
                slot = (id(value), index)
                if slot not in prepared:
                    prepared[slot] = copy_text(_copy_value(f, value))
                out.append(prepared[slot])
            yield out

    copy_rows(f"COPY {connection.ops.quote_name(meta.db_table)} ({columns}) FROM STDIN", planned())
    return keys


def copy_rows(sql: str, rows: Iterable[Sequence[Any]]) -> None:
    """COPY … FROM STDIN the rows on PostgreSQL, the driver's errors raised as Django's (a
    unique violation, found at the end of the COPY, as IntegrityError)."""
    with (
        connection.cursor() as cursor,
        connection.wrap_database_errors,
        cursor.cursor.copy(sql) as copy,
    ):
        for row in rows:
            copy.write_row(row)


def copy_text(value: Any) -> Any:
    """A date or an aware time as the text PostgreSQL reads it in a COPY (ISO 8601, with the
    offset), anything else as it is. psycopg formats a date or a time for COPY 0.6 to 2 µs a
    value, a text 0.2 µs: the deadline scan writes the same `now` on ~260,000 rows of a first
    run, so its jobs format it once and COPY the text."""
    return value.isoformat() if _stamp(value) else value


def _stamp(value: Any) -> bool:
    # A date or an aware time: a value COPY takes as its ISO text.
    kind = type(value)
    return kind is date or (kind is datetime and value.tzinfo is not None)


def copy_stamp(value: Any) -> Any:
    """`copy_text(value)` on PostgreSQL, where rows go in by COPY; the value elsewhere."""
    return copy_text(value) if connection.vendor == "postgresql" else value


# Values PostgreSQL's adapters take as they are, and that the preparation of Django's own
# fields (to_python, the backend's adapt_*field_value) would hand back unchanged there.
_AS_IS = (str, int, bool, type(None))


def _copy_value(field: Any, value: Any) -> Any:
    """The value as COPY takes it: prepared by the field, except a plain value of one of
    Django's own fields (not JSON), which the preparation would not change (a field of this
    project's own, an encrypted one say, always prepares its value)."""
    if _plain_field(field) and (type(value) in _AS_IS or _stamp(value)):
        return value
    return field.get_db_prep_save(value, connection)


def _plain_field(field: Any) -> bool:
    # One of Django's own fields, not JSON: a plain value needs no preparation for it.
    own = type(field).__module__.startswith("django.db.models.fields")
    return own and field.get_internal_type() != "JSONField"
