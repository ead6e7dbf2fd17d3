"""Bulk writes of many rows into one table: ``INSERT … SELECT FROM unnest(arrays)`` on PostgreSQL (one
statement and one executor run per table, close to ``COPY`` speed), ``executemany`` elsewhere.

``mode`` is ``insert`` (a conflict is an error), ``new`` (existing keys are left alone) or ``upsert``
(existing rows are overwritten, but only where ``owner`` matches, so nobody overwrites another's rows).
"""

from __future__ import annotations

from typing import Any, Literal

import msgspec
import sqlalchemy as sa
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


class _PgPlan:
    """The statement for one table and mode, and how to turn rows into its array parameters."""

    def __init__(self, dialect: sa.Dialect, table: sa.Table, mode: Mode, owner: str | None) -> None:
        quote = dialect.identifier_preparer.quote
        self.columns = [c.name for c in table.columns]
        self.json_columns = {c.name for c in table.columns if _pg_type(c) == "json"}
        names = ", ".join(quote(c) for c in self.columns)
        arrays = ", ".join(f"${i}::{_pg_type(c)}[]" for i, c in enumerate(table.columns, start=1))
        # Only quoted identifiers from the table's metadata go into the text; every value is a parameter.
        sql = f"INSERT INTO {quote(table.name)} AS t ({names}) SELECT * FROM unnest({arrays})"  # noqa: S608
        keys = ", ".join(quote(c.name) for c in table.primary_key.columns)
        if mode == "new":
            sql += f" ON CONFLICT ({keys}) DO NOTHING"
        elif mode == "upsert":
            assert owner is not None
            updates = ", ".join(
                f"{quote(c.name)} = EXCLUDED.{quote(c.name)}" for c in table.columns if not c.primary_key
            )
            sql += f" ON CONFLICT ({keys}) DO UPDATE SET {updates} WHERE t.{quote(owner)} = EXCLUDED.{quote(owner)}"
        self.sql = sql

    def parameters(self, rows: list[Row]) -> tuple[list[Any], ...]:
        out: list[list[Any]] = []
        for name in self.columns:
            if name in self.json_columns:
                out.append([_json_text(r[name]) for r in rows])
            else:
                out.append([r[name] for r in rows])
        return tuple(out)


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
    """Write ``rows`` (dicts with every column of ``table``) in one round trip where the database allows."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "asyncpg":
        plan = _pg_plans.get((table.name, mode, owner))
        if plan is None:
            plan = _pg_plans[(table.name, mode, owner)] = _PgPlan(conn.dialect, table, mode, owner)
        await conn.exec_driver_sql(plan.sql, plan.parameters(rows))
        return
    await conn.execute(_generic_statement(conn, table, mode, owner), _generic_rows(table, rows))
