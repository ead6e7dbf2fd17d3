"""The register database: writers queue without stalling the event loop (in this process and against another
process's lock), readers never wait and see only committed rows, a failed block leaves nothing, and Core
statements run with SQLAlchemy's typing (UTC datetimes, booleans, column defaults)."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from edge.db import models as m
from edge.db.session import Database
from edge.db.sql import NoResultFound, Query, Tx


@pytest.fixture
async def db(tmp_path: Path) -> AsyncIterator[Database]:
    database = Database(f"sqlite+aiosqlite:///{tmp_path / 'edge.db'}", busy_timeout_ms=5000)
    async with database.engine.begin() as conn:
        await conn.run_sync(m.metadata.create_all)
    async with database.begin() as tx:
        tx.run(text("CREATE TABLE t (id INTEGER PRIMARY KEY, who TEXT NOT NULL)"))
    yield database
    await database.dispose()


async def _heartbeat(done: asyncio.Event) -> int:
    ticks = 0
    while not done.is_set():
        ticks += 1
        await asyncio.sleep(0.01)
    return ticks


async def test_a_second_writer_waits_for_the_first_while_the_loop_runs_on(db: Database) -> None:
    order: list[str] = []
    holding = asyncio.Event()
    done = asyncio.Event()

    async def first() -> None:
        async with db.begin() as tx:
            tx.run(text("INSERT INTO t (id, who) VALUES (1, 'first')"))
            holding.set()
            await asyncio.sleep(0.3)  # the write lock is held across an await
            order.append("first")

    async def second() -> None:
        await holding.wait()
        async with db.begin() as tx:
            order.append("second")
            tx.run(text("INSERT INTO t (id, who) VALUES (2, 'second')"))
        done.set()

    _, _, ticks = await asyncio.wait_for(asyncio.gather(first(), second(), _heartbeat(done)), timeout=10)
    assert order == ["first", "second"]
    assert ticks >= 10
    async with db.read() as tx:
        assert [tuple(r) for r in tx.all(text("SELECT id, who FROM t ORDER BY id"))] == [(1, "first"), (2, "second")]


async def test_a_writer_waits_off_the_loop_for_another_process_holding_the_lock(db: Database) -> None:
    locked = threading.Event()

    def other_process() -> None:
        conn = sqlite3.connect(db.path, isolation_level=None)
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (id, who) VALUES (1, 'other')")
        locked.set()
        threading.Event().wait(0.4)
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=other_process)
    holder.start()
    await asyncio.to_thread(locked.wait)
    done = asyncio.Event()

    async def write() -> None:
        async with db.begin() as tx:
            tx.run(text("INSERT INTO t (id, who) VALUES (2, 'agent')"))
        done.set()

    _, ticks = await asyncio.wait_for(asyncio.gather(write(), _heartbeat(done)), timeout=10)
    holder.join()
    assert ticks >= 10  # the BEGIN waited on the writer's thread, not on the loop
    async with db.read() as tx:
        assert tx.all(text("SELECT who FROM t ORDER BY id")) == [("other",), ("agent",)]


async def test_readers_see_only_committed_rows_and_cannot_write(db: Database) -> None:
    async with db.begin() as tx:
        tx.run(text("INSERT INTO t (id, who) VALUES (1, 'committed')"))
        async with db.read() as reader:
            assert reader.all(text("SELECT who FROM t")) == []
    async with db.read() as reader:
        assert reader.scalar(text("SELECT who FROM t")) == "committed"
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            reader.run(text("INSERT INTO t (id, who) VALUES (2, 'sneaky')"))


async def test_a_failed_block_rolls_back_and_the_next_one_writes(db: Database) -> None:
    with pytest.raises(RuntimeError):
        async with db.begin() as tx:
            tx.run(text("INSERT INTO t (id, who) VALUES (1, 'lost')"))
            raise RuntimeError("step failed")
    async with db.begin() as tx:
        tx.run(text("INSERT INTO t (id, who) VALUES (2, 'kept')"))
    async with db.read() as tx:
        assert (await tx.execute(text("SELECT who FROM t"))).scalars().all() == ["kept"]


async def test_a_transaction_cannot_be_used_after_its_block(db: Database) -> None:
    async with db.read() as tx:
        pass
    with pytest.raises(RuntimeError, match="ended"):
        tx.all(text("SELECT 1"))


SESSION_BY_HASH = Query(sa.select(m.sessions).where(m.sessions.c.token_hash == sa.bindparam("token_hash")))


async def test_core_statements_keep_sqlalchemy_types_and_column_defaults(db: Database) -> None:
    now = datetime.now(UTC)
    async with db.begin() as tx:
        tx.run(
            sa.insert(m.sessions),
            {"token_hash": "h1", "staff_id": "s1", "name": "Анна", "role": "cashier", "created_at": now,
             "expires_at": now + timedelta(hours=1)},
        )  # fmt: skip
        tx.run(sa.insert(m.promo_codes).values(code="A", kind="percent", value=10, active=True))
        tx.run_many(
            sa.insert(m.products),
            [{"id": f"p{i}", "sku": f"S{i}", "name": f"n{i}", "price": 100, "vat_rate": "vat22",
              "measurement_unit": "piece", "payment_object": "commodity", "active": True} for i in range(3)],
        )  # fmt: skip
    async with db.read() as tx:
        row = tx.one(SESSION_BY_HASH, {"token_hash": "h1"})
        assert row.created_at == now and row.created_at.tzinfo is not None
        assert row.name == "Анна" and row.closed_at is None
        assert tx.first(SESSION_BY_HASH, {"token_hash": "nobody"}) is None
        with pytest.raises(NoResultFound):
            tx.one(SESSION_BY_HASH, {"token_hash": "nobody"})
        assert tx.scalar(sa.select(m.promo_codes.c.active)) is True
        products = tx.all(sa.select(m.products).where(m.products.c.id.in_(["p0", "p2"])).order_by(m.products.c.id))
        assert [(p.id, p.stop_listed, p.kitchen, p.sort, p.description) for p in products] == [
            ("p0", False, True, 0, ""),
            ("p2", False, True, 0, ""),
        ]
        raw = tx.scalar(text("SELECT created_at FROM sessions"))
    assert raw == now.isoformat(timespec="microseconds")  # stored as readable UTC text


async def test_returning_from_many_rows_keeps_their_order(db: Database) -> None:
    async with db.begin() as tx:
        result = await tx.execute(
            sa.insert(m.sync_state).returning(m.sync_state.c.key, sort_by_parameter_order=True),
            [{"key": k, "value": "v"} for k in ("c", "a", "b")],
        )
    assert [r.key for r in result] == ["c", "a", "b"]


async def test_a_named_parameter_left_out_is_an_error(db: Database) -> None:
    async with db.read() as tx:
        with pytest.raises(KeyError, match="token_hash"):
            tx.first(SESSION_BY_HASH)


async def _committed(db: Database) -> list[str]:
    async with db.read() as tx:
        return [r.who for r in tx.all(text("SELECT who FROM t ORDER BY id"))]


def _insert(who: str, *, fail: bool = False) -> Callable[[Tx], None]:
    """A block's writes: insert ``who``, then raise inside the block if ``fail``."""

    def write(tx: Tx) -> None:
        tx.run(text("INSERT INTO t (who) VALUES (:who)"), {"who": who})
        if fail:
            raise RuntimeError(f"{who} failed")

    return write


async def _behind_a_holder(db: Database, writes: list[Callable[[Tx], None]]) -> list[BaseException | list[str]]:
    """Hold the write lock while one block per ``writes`` queues up behind it, then let them all run; for the
    holder and each block, the rows a reader saw the moment its block returned, or the error it raised."""
    held = asyncio.Event()
    release = asyncio.Event()

    async def holder() -> list[str]:
        async with db.begin() as tx:
            tx.run(text("INSERT INTO t (who) VALUES ('holder')"))
            held.set()
            await release.wait()
        return await _committed(db)

    async def writer(write: Callable[[Tx], None]) -> list[str]:
        async with db.begin() as tx:
            write(tx)
        return await _committed(db)

    first = asyncio.ensure_future(holder())
    await held.wait()
    queued = [asyncio.ensure_future(writer(write)) for write in writes]
    await asyncio.sleep(0.05)  # every writer is waiting for the lock
    release.set()
    return await asyncio.wait_for(asyncio.gather(first, *queued, return_exceptions=True), timeout=10)


async def test_an_idle_register_commits_each_block_at_once(db: Database) -> None:
    syncs = db.syncs
    for who in ("a", "b"):
        async with db.begin() as tx:
            tx.run(text("INSERT INTO t (who) VALUES (:who)"), {"who": who})
        assert (await _committed(db))[-1] == who  # durable and visible when the block returns
    assert db.syncs - syncs == 2


async def test_writers_queued_behind_one_block_share_its_commit_and_return_only_once_durable(db: Database) -> None:
    commits, syncs = db.commits, db.syncs
    seen = await _behind_a_holder(db, [_insert(f"w{i}") for i in range(5)])
    everyone = ["holder", "w0", "w1", "w2", "w3", "w4"]
    assert seen == [everyone] * 6  # no block returned before the COMMIT that holds every row
    assert db.commits - commits == 6
    assert db.syncs - syncs == 1


async def test_a_failed_block_in_a_group_rolls_back_alone(db: Database) -> None:
    syncs = db.syncs
    holder, a, b, c = await _behind_a_holder(db, [_insert("a"), _insert("b", fail=True), _insert("c")])
    assert isinstance(b, RuntimeError)
    assert holder == a == c == ["holder", "a", "c"]
    assert db.syncs - syncs == 1


async def test_a_commit_that_fails_fails_every_block_it_carried_and_keeps_none(db: Database) -> None:
    async with db.begin() as tx:
        tx.run(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        tx.run(
            text(
                "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INTEGER REFERENCES parent (id)"
                " DEFERRABLE INITIALLY DEFERRED)"
            )
        )

    def orphan(tx: Tx) -> None:  # a deferred constraint is checked by the COMMIT, so the COMMIT fails
        tx.run(text("INSERT INTO child (id, parent_id) VALUES (1, 99)"))

    outcomes = await _behind_a_holder(db, [orphan, _insert("writer")])
    assert all(isinstance(o, sqlite3.OperationalError) and "not committed" in str(o) for o in outcomes), outcomes
    assert await _committed(db) == []
    async with db.read() as tx:
        assert tx.scalar(text("SELECT count(*) FROM child")) == 0
    async with db.begin() as tx:  # the register writes on
        tx.run(text("INSERT INTO t (who) VALUES ('after')"))
    assert await _committed(db) == ["after"]
