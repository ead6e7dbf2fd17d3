"""The SQLite engine that runs reads and in-transaction writes on the event loop: a second writer waits on
its thread (the loop keeps running), readers never wait for a writer, and a rolled-back write leaves
nothing behind."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import text

from edge.db._inline import InlineConnection
from edge.db.session import Database


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'edge.db'}", busy_timeout_ms=5000)
    async with database.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    yield database
    await database.dispose()


async def test_the_engine_uses_the_inline_connection(db: Database) -> None:
    async with db.begin() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.driver_connection, InlineConnection)


async def test_a_second_writer_waits_off_the_loop_until_the_first_commits(db: Database) -> None:
    order: list[str] = []
    ticks = 0
    holding = asyncio.Event()

    async def first() -> None:
        async with db.begin() as conn:
            await conn.execute(text("INSERT INTO t (id, who) VALUES (1, 'first')"))
            holding.set()
            await asyncio.sleep(0.3)  # the write lock is held across an await, as a saga step does
            order.append("first")

    async def second() -> None:
        await holding.wait()
        async with db.begin() as conn:  # BEGIN IMMEDIATE waits for the lock on the worker thread
            order.append("second")
            await conn.execute(text("INSERT INTO t (id, who) VALUES (2, 'second')"))

    async def heartbeat() -> None:
        nonlocal ticks
        await holding.wait()
        while len(order) < 2:
            ticks += 1
            await asyncio.sleep(0.01)

    await asyncio.wait_for(asyncio.gather(first(), second(), heartbeat()), timeout=10)
    assert order == ["first", "second"]
    assert ticks >= 10  # the loop ran on while the second writer waited
    async with db.read() as conn:
        rows = (await conn.execute(text("SELECT id, who FROM t ORDER BY id"))).all()
    assert [tuple(r) for r in rows] == [(1, "first"), (2, "second")]


async def test_readers_do_not_wait_for_a_writer_and_see_only_committed_rows(db: Database) -> None:
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, who) VALUES (1, 'committed')"))
        async with db.read() as reader:
            seen = (await reader.execute(text("SELECT who FROM t"))).scalars().all()
    assert seen == []
    async with db.read() as reader:
        assert (await reader.execute(text("SELECT who FROM t"))).scalars().all() == ["committed"]


async def test_a_failed_transaction_rolls_back_and_the_next_one_writes(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.begin() as conn:
            await conn.execute(text("INSERT INTO t (id, who) VALUES (1, 'lost')"))
            raise RuntimeError("step failed")
    async with db.begin() as conn:
        await conn.execute(text("INSERT INTO t (id, who) VALUES (2, 'kept')"))
    async with db.read() as conn:
        assert (await conn.execute(text("SELECT who FROM t"))).scalars().all() == ["kept"]
