"""SQLAlchemy Core statements compiled for SQLite and run straight on the sqlite3 connection of a transaction.

Core stays the query language (tables, typed columns, expressions); what is skipped is the per-statement
execution machinery of the async engine (statement objects rebuilt per call, cache keys, a greenlet and an
await per cursor call), which on a register box costs more than SQLite itself. A :class:`Query` is compiled
once at import; an ad-hoc statement is compiled where it runs (for the cold paths: reports, filters).
Bind and result types (UTC datetimes, booleans) are processed as SQLAlchemy would.
"""

from __future__ import annotations

import sqlite3
from collections import namedtuple
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Protocol, cast

from sqlalchemy import Insert, Table, bindparam, update
from sqlalchemy.dialects import sqlite
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.elements import ClauseElement
from sqlalchemy.sql.type_api import TypeEngine

DIALECT = sqlite.dialect(paramstyle="qmark")
_MISSING = object()

Processor = Callable[[Any], Any]


class Row(Protocol):
    """A result row: fields by name (``row.status``) or position, as a named tuple."""

    def __getattr__(self, name: str) -> Any: ...
    def __getitem__(self, index: int) -> Any: ...
    def __iter__(self) -> Iterator[Any]: ...
    def __len__(self) -> int: ...
    def _asdict(self) -> dict[str, Any]: ...


class NoResultFound(LookupError):
    """``one()`` found no row."""


_row_types: dict[tuple[str, ...], Callable[..., Row]] = {}


def _row_type(names: tuple[str, ...]) -> Callable[..., Row]:
    made = _row_types.get(names)
    if made is None:
        row_class: Any = namedtuple("Row", names, rename=True)  # type: ignore[misc]  # fields known at run time
        made = cast(Callable[..., Row], row_class._make)
        _row_types[names] = made
    return made


def _bind_processor(type_: TypeEngine[Any]) -> Processor | None:
    return cast(Processor | None, type_.bind_processor(DIALECT))


def _result_processor(type_: TypeEngine[Any]) -> Processor | None:
    return cast(Processor | None, type_.result_processor(DIALECT, None))


def _result_types(statement: ClauseElement) -> list[TypeEngine[Any]] | None:
    """The types of the columns a statement returns (SELECT or RETURNING), in order; None when unknown."""
    columns = getattr(statement, "selected_columns", None)
    if columns is None and getattr(statement, "_returning", None):
        columns = statement.exported_columns  # type: ignore[attr-defined]
    if columns is None:
        return None
    return [c.type for c in columns]


class Query:
    """A statement compiled once: its SQL, how to bind its parameters, how to read its rows.

    Parameters are bound by name: ``bindparam("order_id")`` placeholders, literals written into the
    statement, and for ``insert(table)`` every column (missing values take the column's default)."""

    __slots__ = ("_binds", "_readers", "_row", "sql")

    def __init__(self, statement: Executable, *, column_keys: Sequence[str] | None = None) -> None:
        element = cast(ClauseElement, statement)
        keys = list(column_keys) if column_keys is not None else None
        compiled = cast(SQLCompiler, element.compile(dialect=DIALECT, column_keys=keys))
        required = {name: None for name, bind in compiled.binds.items() if bind.required}
        # IN lists written into the statement become one placeholder per item (the expanded state)
        expanded = compiled.construct_expanded_state(required)
        self.sql: str = expanded.statement
        table = cast(Table, element.table) if isinstance(element, Insert) else None
        literals = expanded.parameters
        binds: list[tuple[str, object, Processor | None]] = []
        for name in expanded.positiontup or ():
            bind = compiled.binds.get(name)
            if bind is None:  # an item of an expanded IN list
                bind = compiled.binds.get(name.rsplit("_", 1)[0])
            default: object = _MISSING if name in required else literals.get(name)
            if table is not None and name in table.c:
                column_default = table.c[name].default
                if default is _MISSING or default is None:
                    scalar = column_default is not None and column_default.is_scalar
                    default = column_default.arg if scalar else None  # type: ignore[union-attr]
            binds.append((name, default, _bind_processor(bind.type) if bind is not None else None))
        self._binds = tuple(binds)
        types = _result_types(element)
        self._readers: tuple[tuple[int, Processor], ...] | None = (
            tuple((i, p) for i, p in enumerate(_result_processor(t) for t in types) if p is not None)
            if types is not None
            else None
        )
        self._row: Callable[..., Row] | None = None

    def params(self, given: Mapping[str, Any] | None) -> tuple[Any, ...]:
        out: list[Any] = []
        for name, default, process in self._binds:
            value = given.get(name, default) if given else default
            if value is _MISSING:
                raise KeyError(f"no value for parameter {name!r} of: {self.sql}")
            out.append(process(value) if process is not None and value is not None else value)
        return tuple(out)

    def rows(self, cursor: sqlite3.Cursor) -> list[Row]:
        raw = cursor.fetchall()
        if self._row is None:
            self._row = _row_type(tuple(d[0] for d in cursor.description or ()))
        make = self._row
        readers = self._readers or ()
        if not readers:
            return [make(r) for r in raw]
        out: list[Row] = []
        for r in raw:
            values = list(r)
            for i, read in readers:
                if values[i] is not None:
                    values[i] = read(values[i])
            out.append(make(values))
        return out


def _as_query(statement: Query | Executable, many: Sequence[Mapping[str, Any]] | None = None) -> Query:
    if isinstance(statement, Query):
        return statement
    keys = list(many[0]) if many and not isinstance(statement, Insert) else None
    return Query(statement, column_keys=keys)


class RowUpdate:
    """``UPDATE table SET … WHERE key = ?`` for whichever columns a call sets, each shape compiled once."""

    __slots__ = ("_key", "_shapes", "_table")

    def __init__(self, table: Table, key: str) -> None:
        self._table = table
        self._key = key
        self._shapes: dict[tuple[str, ...], Query] = {}

    def __call__(self, tx: Tx, key: object, values: Mapping[str, Any]) -> int:
        """Set ``values`` on the row whose key is ``key``; the number of rows changed (0 or 1)."""
        shape = tuple(values)
        query = self._shapes.get(shape)
        if query is None:
            table = self._table
            statement = (
                update(table)
                .where(table.c[self._key] == bindparam("_key"))
                .values({name: bindparam(name, type_=table.c[name].type) for name in shape})
            )
            query = self._shapes[shape] = Query(statement)
        return tx.run(query, {**values, "_key": key})


class Result:
    """Rows of an ad-hoc statement, read the way SQLAlchemy's result is (``first``, ``scalar``, ``all``…)."""

    __slots__ = ("_rows", "rowcount")

    def __init__(self, rows: list[Row], rowcount: int) -> None:
        self._rows = rows
        self.rowcount = rowcount

    def __iter__(self) -> Iterator[Row]:
        return iter(self._rows)

    def all(self) -> list[Row]:
        return list(self._rows)

    def first(self) -> Row | None:
        return self._rows[0] if self._rows else None

    def one(self) -> Row:
        if len(self._rows) != 1:
            raise NoResultFound(f"expected one row, got {len(self._rows)}")
        return self._rows[0]

    def one_or_none(self) -> Row | None:
        if len(self._rows) > 1:
            raise LookupError(f"expected at most one row, got {len(self._rows)}")
        return self.first()

    def scalar(self) -> Any:
        return self._rows[0][0] if self._rows else None

    def scalar_one(self) -> Any:
        return self.one()[0]

    def scalar_one_or_none(self) -> Any:
        row = self.one_or_none()
        return None if row is None else row[0]

    def scalars(self) -> _Values:
        return _Values(r[0] for r in self._rows)

    def mappings(self) -> _Values:
        return _Values(r._asdict() for r in self._rows)


class _Values(list[Any]):
    def all(self) -> list[Any]:
        return list(self)


class Tx:
    """One transaction on one connection; valid inside its ``Database.begin()`` or ``read()`` block.

    Statements run at once on the caller's thread: a read never waits in WAL mode, and a write runs only
    inside a transaction that already holds the write lock, so neither can stall the event loop."""

    __slots__ = ("_conn", "writable")

    def __init__(self, conn: sqlite3.Connection, *, writable: bool) -> None:
        self._conn: sqlite3.Connection | None = conn
        self.writable = writable

    def _run(self, statement: Query | Executable, params: Mapping[str, Any] | None) -> tuple[list[Row], int]:
        if self._conn is None:
            raise RuntimeError("the transaction has ended")
        query = _as_query(statement)
        cursor = self._conn.execute(query.sql, query.params(params))
        try:
            rows = query.rows(cursor) if cursor.description is not None else []
            return rows, cursor.rowcount
        finally:
            cursor.close()  # resets the statement: COMMIT refuses to run while one is in progress

    def all(self, statement: Query | Executable, params: Mapping[str, Any] | None = None) -> list[Row]:
        return self._run(statement, params)[0]

    def first(self, statement: Query | Executable, params: Mapping[str, Any] | None = None) -> Row | None:
        rows = self._run(statement, params)[0]
        return rows[0] if rows else None

    def one(self, statement: Query | Executable, params: Mapping[str, Any] | None = None) -> Row:
        row = self.first(statement, params)
        if row is None:
            raise NoResultFound("expected one row, got none")
        return row

    def scalar(self, statement: Query | Executable, params: Mapping[str, Any] | None = None) -> Any:
        rows = self._run(statement, params)[0]
        return rows[0][0] if rows else None

    def run(self, statement: Query | Executable, params: Mapping[str, Any] | None = None) -> int:
        """Execute a statement for its effect; the number of rows it changed."""
        return self._run(statement, params)[1]

    def run_many(self, statement: Query | Executable, rows: Sequence[Mapping[str, Any]]) -> int:
        """Execute a statement once per parameter set (an INSERT of many rows)."""
        if not rows:
            return 0
        if self._conn is None:
            raise RuntimeError("the transaction has ended")
        query = _as_query(statement, rows)
        cursor = self._conn.executemany(query.sql, [query.params(r) for r in rows])
        try:
            return cursor.rowcount
        finally:
            cursor.close()

    async def execute(
        self, statement: Query | Executable, params: Mapping[str, Any] | Sequence[Mapping[str, Any]] | None = None
    ) -> Result:
        """SQLAlchemy's ``AsyncConnection.execute`` shape: one parameter set, or a list for executemany."""
        if isinstance(params, Sequence):
            if getattr(statement, "_returning", None):  # RETURNING from many rows: one at a time, in order
                query = _as_query(statement, params)
                returned = [self._run(query, p) for p in params]
                return Result([r for rows, _ in returned for r in rows], sum(n for _, n in returned))
            return Result([], self.run_many(statement, params))
        rows, count = self._run(statement, params)
        return Result(rows, count)

    def close(self) -> None:
        self._conn = None
