"""Bulk writes of many rows into one table. On PostgreSQL a few rows go in one ``INSERT … SELECT FROM
unnest(arrays)`` round trip; many rows go through binary ``COPY`` (straight into the table when a conflict
must fail anyway, else into a per-session staging table that one ``INSERT … SELECT`` then empties with the
same ``ON CONFLICT`` rule). Other databases get ``executemany``.

``mode`` is ``insert`` (a conflict is an error), ``new`` (existing keys are left alone) or ``upsert``
(existing rows are overwritten, but only where ``owner`` matches, so nobody overwrites another's rows).
"""

from __future__ import annotations

from operator import itemgetter
from typing import Any, Literal

import asyncpg  # type: ignore[import-untyped]
import msgspec
import sqlalchemy as sa
from sqlalchemy import exc as sa_exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

Row = dict[str, Any]
Mode = Literal["insert", "new", "upsert"]

_json = msgspec.json.Encoder()


class RawJson(str):
    """A value already encoded as JSON text (an event straight from msgspec), stored without re-encoding."""

    __slots__ = ()

    @classmethod
    def of(cls, value: Any) -> RawJson:
        return cls(_json.encode(value).decode())

    @classmethod
    def text(cls, value: str) -> RawJson:
        """``value``, known to be JSON text, marked as such (without a copy when it already is)."""
        return value if isinstance(value, RawJson) else cls(value)


_PG_TYPES: list[tuple[type[sa.types.TypeEngine[Any]], str]] = [
    (sa.Uuid, "uuid"),
    (sa.BigInteger, "int8"),
    (sa.Integer, "int4"),
    (sa.Boolean, "bool"),
    (sa.Numeric, "numeric"),
    (sa.DateTime, "timestamptz"),
    (sa.JSON, "json"),
    (sa.LargeBinary, "bytea"),
    (sa.String, "text"),
]


def _pg_type(column: sa.Column[Any]) -> str:
    col_type = column.type
    impl = getattr(col_type, "impl", col_type)  # unwrap TypeDecorators
    for sa_type, name in _PG_TYPES:
        if isinstance(impl, sa_type):
            return name
    raise TypeError(f"no bulk type for {column.table.name}.{column.name} ({col_type!r})")


COPY_MIN_ROWS = 100
"""From this many rows ``COPY`` beats one ``unnest`` statement despite its extra round trips."""


class _PgPlan:
    """The statements for one table and mode, and how to turn rows into their parameters."""

    def __init__(self, dialect: sa.Dialect, table: sa.Table, mode: Mode, owner: str | None) -> None:
        quote = dialect.identifier_preparer.quote
        self.table = table.name
        self.mode = mode
        self.columns = [c.name for c in table.columns]
        self.json_columns = {c.name for c in table.columns if _pg_type(c) == "json"}
        self._json_positions = [i for i, name in enumerate(self.columns) if name in self.json_columns]
        self._record = itemgetter(*self.columns)
        names = ", ".join(quote(c) for c in self.columns)
        arrays = ", ".join(f"${i}::{_pg_type(c)}[]" for i, c in enumerate(table.columns, start=1))
        keys = ", ".join(quote(c.name) for c in table.primary_key.columns)
        conflict = ""
        if mode == "new":
            conflict = f" ON CONFLICT ({keys}) DO NOTHING"
        elif mode == "upsert":
            assert owner is not None
            updates = ", ".join(
                f"{quote(c.name)} = EXCLUDED.{quote(c.name)}" for c in table.columns if not c.primary_key
            )
            conflict = f" ON CONFLICT ({keys}) DO UPDATE SET {updates} WHERE t.{quote(owner)} = EXCLUDED.{quote(owner)}"
        # Only quoted identifiers from the table's metadata go into the text; every value is a parameter.
        insert = f"INSERT INTO {quote(table.name)} AS t ({names})"
        self.sql = f"{insert} SELECT * FROM unnest({arrays}){conflict}"  # noqa: S608
        # A temporary table lives as long as the session and is private to it, so concurrent workers never
        # see each other's rows; ON COMMIT DELETE ROWS empties it even when a transaction fails half-way.
        self.stage = f"_ingest_stage_{table.name}"
        self.create_stage = (
            f"CREATE TEMPORARY TABLE IF NOT EXISTS {quote(self.stage)} (LIKE {quote(table.name)}) ON COMMIT DELETE ROWS"
        )
        # Emptied by the statement itself, so a second write in the same transaction starts clean.
        self.from_stage = (
            f"WITH staged AS (DELETE FROM {quote(self.stage)} RETURNING {names}) "  # noqa: S608
            f"{insert} SELECT {names} FROM staged{conflict}"
        )

    def parameters(self, rows: list[Row]) -> tuple[list[Any], ...]:
        out: list[list[Any]] = []
        for name in self.columns:
            if name in self.json_columns:
                out.append([_json_text(r[name]) for r in rows])
            else:
                out.append([r[name] for r in rows])
        return tuple(out)

    def records(self, rows: list[Row]) -> list[tuple[Any, ...]]:
        record = self._record
        if not self._json_positions:
            return [record(r) for r in rows]
        out: list[tuple[Any, ...]] = []
        for r in rows:
            values = list(record(r))
            for i in self._json_positions:
                values[i] = _json_text(values[i])
            out.append(tuple(values))
        return out


def _json_text(value: Any) -> str | None:
    if value is None or isinstance(value, RawJson):
        return value
    return _json.encode(value).decode()


def _generic_rows(table: sa.Table, rows: list[Row]) -> list[Row]:
    """SQLAlchemy's JSON type encodes values itself, so pre-encoded text goes back to objects."""
    json_columns = [c.name for c in table.columns if isinstance(getattr(c.type, "impl", c.type), sa.JSON)]
    if not any(isinstance(r[name], RawJson) for r in rows for name in json_columns):
        return rows
    return [{k: msgspec.json.decode(v.encode()) if isinstance(v, RawJson) else v for k, v in r.items()} for r in rows]


_pg_plans: dict[tuple[str, str, str | None], _PgPlan] = {}
_generic: dict[tuple[str, str, str, str | None], sa.Executable] = {}


def _generic_statement(conn: AsyncConnection, table: sa.Table, mode: Mode, owner: str | None) -> sa.Executable:
    key = (conn.dialect.name, table.name, mode, owner)
    stmt = _generic.get(key)
    if stmt is None:
        if mode == "insert":
            stmt = sa.insert(table)
        else:
            insert = postgresql.insert(table) if conn.dialect.name == "postgresql" else sqlite.insert(table)
            if mode == "new":
                stmt = insert.on_conflict_do_nothing()
            else:
                assert owner is not None
                stmt = insert.on_conflict_do_update(
                    index_elements=[c.name for c in table.primary_key.columns],
                    set_={c.name: insert.excluded[c.name] for c in table.columns if not c.primary_key},
                    where=table.c[owner] == insert.excluded[owner],
                )
        _generic[key] = stmt
    return stmt


async def write(conn: AsyncConnection, table: sa.Table, rows: list[Row], mode: Mode, owner: str | None = None) -> None:
    """Write ``rows`` (dicts with every column of ``table``) in as few round trips as the database allows."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "asyncpg":
        plan = _pg_plans.get((table.name, mode, owner))
        if plan is None:
            plan = _pg_plans[(table.name, mode, owner)] = _PgPlan(conn.dialect, table, mode, owner)
        if len(rows) < COPY_MIN_ROWS or not await _copy(conn, plan, rows):
            await conn.exec_driver_sql(plan.sql, plan.parameters(rows))
        return
    await conn.execute(_generic_statement(conn, table, mode, owner), _generic_rows(table, rows))


async def _copy(conn: AsyncConnection, plan: _PgPlan, rows: list[Row]) -> bool:
    """``COPY`` the rows on the connection's own asyncpg session; ``False`` when no transaction is open there
    (SQLAlchemy begins lazily), since a ``COPY`` outside the caller's transaction would commit on its own."""
    raw = await conn.get_raw_connection()
    pg: Any = raw.driver_connection
    if pg is None or not pg.is_in_transaction():
        return False
    records = plan.records(rows)
    statement = f"COPY {plan.table}"
    try:
        if plan.mode == "insert":
            await pg.copy_records_to_table(plan.table, records=records, columns=plan.columns)
        else:
            await pg.execute(plan.create_stage)
            await pg.copy_records_to_table(plan.stage, records=records, columns=plan.columns)
            statement = plan.from_stage
            await pg.execute(plan.from_stage)
    except (asyncpg.PostgresError, asyncpg.InterfaceError) as error:
        raise _translate(statement, error) from error
    return True


def _translate(statement: str, error: Exception) -> sa_exc.DBAPIError:
    """The SQLAlchemy error a statement run through SQLAlchemy would have raised, so callers see one family."""
    if isinstance(error, asyncpg.IntegrityConstraintViolationError):
        return sa_exc.IntegrityError(statement, None, error)
    if isinstance(error, asyncpg.DataError):
        return sa_exc.DataError(statement, None, error)
    if isinstance(error, asyncpg.PostgresError):
        return sa_exc.ProgrammingError(statement, None, error)
    return sa_exc.OperationalError(statement, None, error, connection_invalidated=True)
