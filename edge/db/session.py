"""The register database: one SQLite file in WAL mode with synchronous=FULL, one writer and a few readers.

Write transactions are serialised in the process (an asyncio lock) inside a BEGIN IMMEDIATE, so a
sequence read and the insert after it cannot interleave with another writer. Statements run on the
event loop (see :mod:`edge.db.sql`); the durable COMMIT, whose fsync can take milliseconds on an SD card,
runs on the writer's aiosqlite thread, and so does a BEGIN that must wait for another process's lock.
Readers never take the write lock and, in WAL mode, never wait for a writer.

Commits are grouped. Each ``begin()`` block is a SAVEPOINT in the open transaction: a block that fails rolls
back to it alone, a block that ends cleanly is released into the transaction and waits for its COMMIT. That
COMMIT runs once no other writer is running or queued, so blocks that queued up behind one fsync share the
next; an idle register commits each block at once, as before. No caller hears "done" before the fsync that
holds its writes, and a COMMIT that fails fails every block it carried: nothing is confirmed and lost.

Alembic (``upgrade_database``) gets a SQLAlchemy async engine on the same file, made when asked for.
"""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import cast

import aiosqlite
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

from edge.db.sql import Tx

_SCHEME = "sqlite+aiosqlite:///"
_IDLE_READERS = 4
_STATEMENT_CACHE = 256
_SAVEPOINT = "yago_block"
_GROUP_LIMIT = 64
"""Blocks one COMMIT may carry while writers keep queueing, so a busy register still commits steadily."""


def _is_busy(exc: sqlite3.OperationalError) -> bool:
    return "locked" in str(exc) or "busy" in str(exc)


class _Writer(aiosqlite.Connection):
    """The one writing connection: statements inline through :attr:`sqlite`, waits on its own thread."""

    @property
    def sqlite(self) -> sqlite3.Connection:
        conn = self._connection
        if conn is None:
            raise ValueError("the database is closed")
        return conn

    async def on_thread(self, statement: str) -> None:
        """Run ``statement`` on the connection's thread (it may wait on a lock); its rows are dropped."""
        run_on_thread = cast(Callable[..., Awaitable[None]], self._execute)  # aiosqlite leaves it untyped
        await run_on_thread(_run_and_close, self.sqlite, statement)


def _settle(group: list[asyncio.Future[None]], failure: BaseException | None) -> None:
    for joined in group:
        if joined.done():
            continue
        if failure is None:
            joined.set_result(None)
        else:
            error = sqlite3.OperationalError(f"the write was not committed: {failure}")
            error.__cause__ = failure
            joined.set_exception(error)


def _run_and_close(conn: sqlite3.Connection, statement: str) -> None:
    conn.execute(statement).close()


class Database:
    """``begin()`` gives a write transaction (committed when the block exits cleanly), ``read()`` a snapshot."""

    def __init__(self, url: str, busy_timeout_ms: int = 5000) -> None:
        if not url.startswith(_SCHEME) or "?" in url or ":memory:" in url:
            raise ValueError(f"the register database is a SQLite file ({_SCHEME}PATH), not {url!r}")
        self.url = url
        self.path = Path(url[len(_SCHEME) :])
        self.busy_timeout_ms = busy_timeout_ms
        self._write_lock = asyncio.Lock()
        self._queued = 0
        """Writers waiting for the lock: while there are some, the open group waits for them to join."""
        self._open = False
        """BEGIN IMMEDIATE has run and the group's COMMIT has not."""
        self._group: list[asyncio.Future[None]] = []
        """Blocks that ended cleanly in the open transaction, each waiting for its COMMIT."""
        self._committing: asyncio.Future[None] | None = None
        self._writer: _Writer | None = None
        self._readers: list[sqlite3.Connection] = []
        self._engine: AsyncEngine | None = None
        self._closed = False
        self.commits = 0
        """Write transactions (``begin()`` blocks) made durable so far, for the metrics."""
        self.syncs = 0
        """COMMITs (each one a durable fsync) that made them so: fewer when writers queue up."""

    # ------------------------------------------------------------------------------------- connections

    def _configure(self, conn: sqlite3.Connection, *, writer: bool) -> None:
        conn.isolation_level = None  # transactions are begun and ended explicitly
        conn.execute("PRAGMA foreign_keys=ON")
        if writer:
            conn.execute("PRAGMA synchronous=FULL")
            conn.execute("PRAGMA busy_timeout=0")  # a BEGIN that would wait goes to the thread instead
        else:
            conn.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            conn.execute("PRAGMA query_only=1")

    async def _open_writer(self) -> _Writer:
        if self._closed:
            raise RuntimeError("the database is closed")
        if self._writer is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            path = str(self.path)
            writer = _Writer(
                lambda: sqlite3.connect(path, check_same_thread=False, cached_statements=_STATEMENT_CACHE),
                iter_chunk_size=64,
            )
            writer._thread.daemon = True  # as SQLAlchemy's aiosqlite dialect does: never hold up exit
            await writer
            await writer.on_thread(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            await writer.on_thread("PRAGMA journal_mode=WAL")
            self._configure(writer.sqlite, writer=True)
            self._writer = writer
        return self._writer

    async def _begin_immediate(self, writer: _Writer) -> None:
        try:
            writer.sqlite.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as exc:
            if not _is_busy(exc):
                raise
        # Another process holds the lock (a migration, the sqlite3 shell): wait for it off the loop.
        await writer.on_thread(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
        try:
            await writer.on_thread("BEGIN IMMEDIATE")
        finally:
            writer.sqlite.execute("PRAGMA busy_timeout=0")

    def _reader(self) -> sqlite3.Connection:
        if self._closed:
            raise RuntimeError("the database is closed")
        if self._readers:
            return self._readers.pop()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(str(self.path), cached_statements=_STATEMENT_CACHE)
        self._configure(conn, writer=False)
        return conn

    # ------------------------------------------------------------------------------------ transactions

    @contextlib.asynccontextmanager
    async def begin(self) -> AsyncIterator[Tx]:
        """A write transaction, durable when the block exits cleanly (the ``async with`` returns only once its
        COMMIT has reached the disk) and rolled back, alone, otherwise."""
        self._queued += 1
        try:
            await self._write_lock.acquire()
        except BaseException:
            self._queued -= 1
            self._commit_if_idle()
            raise
        self._queued -= 1
        joined: asyncio.Future[None] | None = None
        try:
            while self._committing is not None:  # the connection is busy with the last group's COMMIT
                await asyncio.wait([self._committing])
            writer = await self._open_writer()
            if not self._open:
                await self._begin_immediate(writer)
                self._open = True
            conn = writer.sqlite
            conn.execute(f"SAVEPOINT {_SAVEPOINT}")
            tx = Tx(conn, writable=True)
            try:
                yield tx
                tx.close()
                conn.execute(f"RELEASE {_SAVEPOINT}")
            except BaseException as exc:
                tx.close()
                self._undo(conn, exc)
                raise
            joined = asyncio.get_running_loop().create_future()
            self._group.append(joined)
        finally:
            self._write_lock.release()
            self._commit_if_idle()
        if joined is not None:
            await asyncio.shield(joined)

    def _undo(self, conn: sqlite3.Connection, exc: BaseException) -> None:
        """Roll back one failed block; the blocks before it in the open group keep their writes."""
        if conn.in_transaction:
            try:
                conn.execute(f"ROLLBACK TO {_SAVEPOINT}")
                conn.execute(f"RELEASE {_SAVEPOINT}")
            except sqlite3.Error:
                pass
            else:
                if self._group:
                    return
            with contextlib.suppress(sqlite3.Error):
                conn.execute("ROLLBACK")  # nothing else rides on it: free the file for other processes
        # else SQLite itself ended the transaction (an I/O error, a full disk), and the group's writes with it
        self._open = False
        group, self._group = self._group, []
        _settle(group, exc)

    def _commit_if_idle(self) -> None:
        """COMMIT the open group once no block is running or queued (or the group is full)."""
        if self._committing is not None or not self._group or self._write_lock.locked():
            return
        if self._queued and len(self._group) < _GROUP_LIMIT:
            return  # the next writer joins the group; its release commits
        group, self._group = self._group, []
        self._committing = asyncio.ensure_future(self._commit(group))

    async def _commit(self, group: list[asyncio.Future[None]]) -> None:
        writer = self._writer
        failure: BaseException | None = None
        try:
            if writer is None:
                raise RuntimeError("the database is closed")
            await writer.commit()
        except BaseException as exc:
            failure = exc
            if writer is not None and writer.sqlite.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    writer.sqlite.execute("ROLLBACK")
        else:
            self.syncs += 1
            self.commits += len(group)
        finally:
            self._open = False
            self._committing = None
        _settle(group, failure)
        if failure is not None and not isinstance(failure, Exception):
            raise failure

    @contextlib.asynccontextmanager
    async def read(self) -> AsyncIterator[Tx]:
        """A read-only snapshot: every statement in the block sees the same committed state."""
        conn = self._reader()
        conn.execute("BEGIN")
        tx = Tx(conn, writable=False)
        try:
            yield tx
        finally:
            tx.close()
            try:
                conn.execute("COMMIT")
            except sqlite3.Error:
                conn.close()
            else:
                if len(self._readers) < _IDLE_READERS and not self._closed:
                    self._readers.append(conn)
                else:
                    conn.close()

    # --------------------------------------------------------------------------------------- lifecycle

    @property
    def engine(self) -> AsyncEngine:
        """A SQLAlchemy engine on the same file, for Alembic and schema tools (not for the agent's queries)."""
        if self._engine is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._engine = create_async_engine(self.url, connect_args={"timeout": self.busy_timeout_ms / 1000})
        return self._engine

    async def dispose(self) -> None:
        self._closed = True
        async with self._write_lock:
            while self._committing is not None:
                await asyncio.wait([self._committing])
            if self._group:
                group, self._group = self._group, []
                await self._commit(group)
            writer, self._writer = self._writer, None
            if writer is not None:
                await writer.close()
        for conn in self._readers:
            conn.close()
        self._readers.clear()
        if self._engine is not None:
            engine, self._engine = self._engine, None
            await engine.dispose()
