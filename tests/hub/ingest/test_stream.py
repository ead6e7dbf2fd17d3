"""The commit itself, on PostgreSQL and SQLite: several overlapping batches committed at once, tenant
guards on rows keyed by edge ids, and a database failure that leaves a batch unacknowledged."""

from __future__ import annotations

import asyncio

import msgspec
import pytest
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest import metrics
from hub.ingest.consumer import BrokerConfig
from hub.ingest.persist import RegisterScope
from hub.ingest.stream import commit_events
from protocols.envelope import Gap
from protocols.events import OrderUpdated
from protocols.ids import utcnow, uuid7
from tests.hub.ingest._events import RegisterStream
from tests.hub.ingest._harness import FakeEdge, count_rows, fetch, running_workers, seed_registers

pytestmark = pytest.mark.integration


def _scope(reg: RegisterStream) -> RegisterScope:
    return RegisterScope(org_id=reg.org_id, location_id=reg.location_id, register_id=reg.register_id)


async def _commit(engine: AsyncEngine, reg: RegisterStream, first: int, last: int) -> tuple[int, Gap | None]:
    async with engine.begin() as conn:
        outcome = await commit_events(conn, _scope(reg), reg.events[first - 1 : last], utcnow())
    return outcome.committed_seq, outcome.gap


async def test_overlapping_batches_taken_together_commit_each_event_once(engine: AsyncEngine) -> None:
    [reg] = await seed_registers(engine, 1)
    for _ in range(4):
        reg.order()
    n = len(reg.events)
    assert await _commit(engine, reg, 10, 14) == (0, Gap(from_seq=1, to_seq=9))  # held
    # A drained inbox: a resend, an overlap, the missing start and a tail, out of order.
    events = reg.events[4:12] + reg.events[0:6] + reg.events[16:n] + reg.events[2:8]
    async with engine.begin() as conn:
        outcome = await commit_events(conn, _scope(reg), events, utcnow())
    # 1..14 (12..14 from the hold), then a hole at 15..16 before the tail, which is held now.
    assert (outcome.committed_seq, outcome.gap) == (14, Gap(from_seq=15, to_seq=16))
    assert [e["seq"] for e in await fetch(engine, "held_events", order_by="seq")] == list(range(17, n + 1))
    assert await _commit(engine, reg, 15, 16) == (n, None)
    logged = await fetch(engine, "ingested_events", order_by="seq")
    assert [e["event_id"] for e in logged] == [e.event_id for e in reg.events]
    assert await count_rows(engine, "held_events") == 0
    assert await count_rows(engine, "orders") == 4


async def test_a_register_cannot_overwrite_another_registers_order(engine: AsyncEngine) -> None:
    victim, intruder = await seed_registers(engine, 2)
    order_id, events = victim.order()
    await _commit(engine, victim, 1, len(events))
    # The intruder replays the victim's order ids in its own, otherwise valid, stream.
    updated = next(e for e in events if isinstance(e, OrderUpdated))
    forged = msgspec.structs.replace(updated, event_id=uuid7(), seq=1, total=1, subtotal=1, status="cancelled")
    intruder.add(forged)
    assert await _commit(engine, intruder, 1, 1) == (1, None)
    [order] = await fetch(engine, "orders", id=order_id)
    assert (order["register_id"], order["total"], order["status"]) == (victim.register_id, 65000, "fiscalized")
    lines = await fetch(engine, "order_lines", order_id=order_id)
    assert sorted(line["amount"] for line in lines) == [15000, 50000]


async def test_a_database_failure_leaves_the_batch_unacknowledged_until_resent(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    [reg] = await seed_registers(engine, 1)
    reg.order()
    batch = reg.batch(1, len(reg.events))
    failures = metrics.TRANSIENT_ERRORS._value.get()
    async with running_workers(engine, broker):
        async with engine.begin() as conn:  # the table goes away under the worker's feet
            await conn.execute(sa.text("ALTER TABLE register_streams RENAME TO register_streams_away"))
        await edge.send(batch)
        async with asyncio.timeout(10):
            while metrics.TRANSIENT_ERRORS._value.get() == failures:
                await asyncio.sleep(0.02)
        assert edge.acks[reg.register_id] == []
        assert await count_rows(engine, "dead_letters") == 0
        async with engine.begin() as conn:
            await conn.execute(sa.text("ALTER TABLE register_streams_away RENAME TO register_streams"))
        await edge.send(batch)  # the register's resend timer
        ack = await edge.wait_committed(reg.register_id, len(reg.events))
    assert ack.committed_seq == len(reg.events)
    assert await count_rows(engine, "ingested_events") == len(reg.events)
