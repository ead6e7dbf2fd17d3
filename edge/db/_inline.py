"""An aiosqlite connection that keeps only the calls that can wait (BEGIN, COMMIT with its fsync, PRAGMA,
connect/close) on its worker thread and runs reads, and writes inside a transaction it already holds
the write lock of, straight on the event loop.

Why: aiosqlite hops to its thread and back for every call (cursor, execute, fetch, close), three or four
per statement; on a register box a checkout runs about a hundred statements, and the hops cost more than
SQLite itself. A SELECT in WAL mode never waits for a lock, and an INSERT/UPDATE/DELETE after BEGIN
IMMEDIATE already holds it, so neither can stall the loop on ``busy_timeout``; COMMIT (the durable fsync)
still happens on the thread and is awaited as before. Calls on one connection are strictly sequential
(SQLAlchemy awaits each), so the sqlite3 object is never used from two threads at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from typing import Any, cast

import aiosqlite

_CURSOR_CALLS = frozenset({"fetchone", "fetchmany", "fetchall", "close"})
_WRITES = ("INSERT", "UPDATE", "DELETE", "REPLACE")
_ENDS = ("COMMIT", "END", "ROLLBACK")


class InlineConnection(aiosqlite.Connection):
    """See the module docstring; built by :func:`connect`."""

    _holds_write_lock = False

    def _inline(self, fn: Callable[..., Any], args: tuple[Any, ...]) -> bool:
        owner = getattr(fn, "__self__", None)
        name = getattr(fn, "__name__", "")
        if owner is self._connection:
            # connection level: only a new cursor is free; commit/rollback/close stay on the thread
            if name in ("commit", "rollback"):
                self._holds_write_lock = False
            return name == "cursor"
        if not isinstance(owner, sqlite3.Cursor):
            return False
        if name in _CURSOR_CALLS:
            return True
        if name not in ("execute", "executemany") or not args or not isinstance(args[0], str):
            return False
        head = args[0].lstrip()[:24].upper()
        if head.startswith("SELECT"):
            return True
        if head.startswith(_WRITES):
            return self._holds_write_lock
        if head.startswith(_ENDS):
            self._holds_write_lock = False
        return False

    async def _execute(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        if self._inline(fn, args):
            if not self._running or self._connection is None:
                raise ValueError("Connection closed")
            return fn(*args, **kwargs)
        queue_call = cast(Callable[..., Awaitable[Any]], super()._execute)  # aiosqlite leaves it untyped
        result = await queue_call(fn, *args, **kwargs)
        if args and isinstance(args[0], str) and args[0].lstrip()[:5].upper() == "BEGIN":
            # only once the thread has it: a BEGIN IMMEDIATE that timed out holds nothing
            head = args[0].upper()
            self._holds_write_lock = "IMMEDIATE" in head or "EXCLUSIVE" in head
        return result


def connect(path: str) -> Callable[[], Any]:
    """An ``async_creator`` for :func:`sqlalchemy.ext.asyncio.create_async_engine` on the file at ``path``."""

    async def create() -> aiosqlite.Connection:
        # check_same_thread=False is what SQLAlchemy sets for a file database as well: the pool hands
        # a connection to whichever task checks it out
        conn = InlineConnection(lambda: sqlite3.connect(path, check_same_thread=False), iter_chunk_size=64)
        conn._thread.daemon = True  # as SQLAlchemy's own aiosqlite dialect does
        return await conn

    return create
