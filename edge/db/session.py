"""The async SQLite engine: WAL, synchronous=FULL, foreign keys, a busy timeout, and write transactions
that start with BEGIN IMMEDIATE so concurrent writers queue instead of failing half-way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Connection
from sqlalchemy.engine.interfaces import DBAPIConnection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

from edge.db import _inline as inline

READ_ONLY = "yago_read_only"


class Database:
    """One engine per process; ``begin()`` gives a Core connection inside a committed-or-rolled-back transaction."""

    def __init__(self, url: str, busy_timeout_ms: int = 5000) -> None:
        self.url = url
        self.is_sqlite = url.startswith("sqlite")
        options: dict[str, object] = {}
        if self.is_sqlite and ":///" in url and ":memory:" not in url:
            path = url.split(":///", 1)[1]
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            if url.startswith("sqlite+aiosqlite:") and "?" not in path:
                options["async_creator"] = inline.connect(path)
        self.engine: AsyncEngine = create_async_engine(url, **options)
        if self.is_sqlite:
            self._configure_sqlite(busy_timeout_ms)
        self.sessionmaker: async_sessionmaker[AsyncSession] = async_sessionmaker(self.engine, expire_on_commit=False)

    def _configure_sqlite(self, busy_timeout_ms: int) -> None:
        sync_engine = self.engine.sync_engine

        @event.listens_for(sync_engine, "connect")
        def _on_connect(dbapi_connection: DBAPIConnection, _record: ConnectionPoolEntry) -> None:
            # pysqlite's own transaction handling defers BEGIN past SELECTs; we issue BEGIN ourselves
            dbapi_connection.isolation_level = None
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=FULL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute(f"PRAGMA busy_timeout={int(busy_timeout_ms)}")
            cursor.close()

        @event.listens_for(sync_engine, "begin")
        def _on_begin(conn: Connection) -> None:
            # IMMEDIATE takes the write lock up front: the outbox seq read and insert cannot interleave;
            # read-only blocks begin deferred and, in WAL, never wait for a writer
            read_only = conn.get_execution_options().get(READ_ONLY, False)
            conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")

    @asynccontextmanager
    async def begin(self) -> AsyncIterator[AsyncConnection]:
        """A transaction that commits (durably, synchronous=FULL) when the block exits cleanly."""
        async with self.engine.begin() as conn:
            yield conn

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncConnection]:
        """A read-only snapshot transaction (deferred BEGIN): for queries that write nothing."""
        async with self.engine.connect() as conn:
            conn = await conn.execution_options(**{READ_ONLY: True})
            async with conn.begin():
                yield conn

    async def dispose(self) -> None:
        await self.engine.dispose()
