"""The ingest workers' database engine: PostgreSQL through asyncpg, or SQLite with serialised writers.

On SQLite every transaction starts with ``BEGIN IMMEDIATE``: two workers then queue on the write lock
instead of failing when a read transaction tries to become a write transaction.
"""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

_json_encoder = msgspec.json.Encoder()


def _json_dumps(value: Any) -> str:
    return _json_encoder.encode(value).decode()


def _json_loads(value: str | bytes) -> Any:
    return msgspec.json.decode(value)


def create_ingest_engine(url: str, pool_size: int = 2) -> AsyncEngine:
    """An engine for ``postgresql+asyncpg://…`` or ``sqlite+aiosqlite://…``."""
    if url.startswith("sqlite"):
        engine = create_async_engine(
            url, json_serializer=_json_dumps, json_deserializer=_json_loads, connect_args={"timeout": 30}
        )

        @event.listens_for(engine.sync_engine, "connect")
        def _on_connect(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None  # SQLAlchemy emits BEGIN itself (below)
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        @event.listens_for(engine.sync_engine, "begin")
        def _on_begin(conn: Connection) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    return create_async_engine(
        url,
        json_serializer=_json_dumps,
        json_deserializer=_json_loads,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
    )
