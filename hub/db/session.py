"""The hub's async engine and session factory for ``postgresql+asyncpg://…`` or ``sqlite+aiosqlite://…``.

SQLite (the single-shop embedded default) runs in WAL mode with foreign keys on, and every transaction
starts with ``BEGIN IMMEDIATE`` so concurrent writers queue on the lock instead of failing mid-transaction.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import msgspec
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

_json_encoder = msgspec.json.Encoder()


def _json_dumps(value: object) -> str:
    return _json_encoder.encode(value).decode()


def _json_loads(value: str | bytes) -> object:
    return msgspec.json.decode(value)


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def ensure_sqlite_dir(url: str) -> None:
    """Create the directory of a file-backed SQLite database so the first start just works."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database and parsed.database != ":memory:":
        Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)


def create_engine(url: str, *, pool_size: int = 5, echo: bool = False) -> AsyncEngine:
    """An async engine configured for the backend ``url`` names."""
    if is_sqlite(url):
        ensure_sqlite_dir(url)
        engine = create_async_engine(
            url, echo=echo, json_serializer=_json_dumps, json_deserializer=_json_loads, connect_args={"timeout": 30}
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
        echo=echo,
        json_serializer=_json_dumps,
        json_deserializer=_json_loads,
        pool_size=pool_size,
        max_overflow=pool_size,
        pool_pre_ping=True,
    )


def create_session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False)
