"""Ingest through a real broker into PostgreSQL and SQLite: duplicates, reordering, gaps, resends after
a register restart, and the acknowledgements the register sees for each."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest.consumer import BrokerConfig
from protocols.envelope import Gap
from protocols.ids import uuid7
from tests.hub.ingest._harness import FakeEdge, count_rows, fetch, running_workers, seed_registers

pytestmark = pytest.mark.integration


async def test_the_same_batch_twice_is_stored_once_and_acked_twice(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    [reg] = await seed_registers(engine, 1)
    order_id, events = reg.order()
    batch = reg.batch(1, len(events))
    async with running_workers(engine, broker):
        await edge.send(batch)
        await edge.send(batch)
        acks = await edge.wait_acks(reg.register_id, 2)
    assert [a.committed_seq for a in acks] == [len(events), len(events)]
    assert all(a.gap is None for a in acks)
    assert await count_rows(engine, "ingested_events", register_id=reg.register_id) == len(events)
    assert await count_rows(engine, "orders", id=order_id) == 1
    assert await count_rows(engine, "order_lines", order_id=order_id) == 2
    assert await count_rows(engine, "order_payments", order_id=order_id) == 1
    assert await count_rows(engine, "fiscal_documents", order_id=order_id) == 1
    [stream] = await fetch(engine, "register_streams", register_id=reg.register_id)
    assert stream["committed_seq"] == len(events)


async def test_a_batch_ahead_of_a_gap_is_held_then_applied_in_order(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    [reg] = await seed_registers(engine, 1)
    order_a, events_a = reg.order(kitchen=False)  # seq 1..4
    order_b, events_b = reg.order(kitchen=True)  # seq 5..10
    n_a, n_total = len(events_a), len(events_a) + len(events_b)
    async with running_workers(engine, broker):
        await edge.send(reg.batch(n_a + 1, n_total))  # the second batch overtakes the first
        [ack] = await edge.wait_acks(reg.register_id, 1)
        assert ack.committed_seq == 0
        assert ack.gap == Gap(from_seq=1, to_seq=n_a)
        assert await count_rows(engine, "held_events", register_id=reg.register_id) == len(events_b)
        assert await count_rows(engine, "orders") == 0

        await edge.send(reg.batch(1, n_a))
        acks = await edge.wait_acks(reg.register_id, 2)
    assert acks[-1].committed_seq == n_total
    assert acks[-1].gap is None
    assert await count_rows(engine, "held_events", register_id=reg.register_id) == 0
    logged = await fetch(engine, "ingested_events", order_by="seq", register_id=reg.register_id)
    assert [e["seq"] for e in logged] == list(range(1, n_total + 1))
    assert [e["event_id"] for e in logged] == [e.event_id for e in reg.events]
    [b] = await fetch(engine, "orders", id=order_b)
    assert (b["status"], b["kitchen_status"]) == ("fiscalized", "ready")
    [a] = await fetch(engine, "orders", id=order_a)
    assert (a["status"], a["kitchen_status"]) == ("fiscalized", None)


async def test_a_register_that_starts_past_a_gap_is_asked_to_resend_it(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    [reg] = await seed_registers(engine, 1)
    for _ in range(3):
        reg.order(kitchen=False)
    total = len(reg.events)
    async with running_workers(engine, broker):
        await edge.send(reg.batch(5, 8))
        await edge.send(reg.batch(10, total))  # a second hole at 9
        acks = await edge.wait_acks(reg.register_id, 2)
        assert [(a.committed_seq, a.gap) for a in acks] == [
            (0, Gap(from_seq=1, to_seq=4)),
            (0, Gap(from_seq=1, to_seq=4)),
        ]
        await edge.send(reg.batch(1, 4))
        acks = await edge.wait_acks(reg.register_id, 3)
        assert (acks[2].committed_seq, acks[2].gap) == (8, Gap(from_seq=9, to_seq=9))
        await edge.send(reg.batch(1, 9))  # the register resends everything unacknowledged
        acks = await edge.wait_acks(reg.register_id, 4)
    assert (acks[3].committed_seq, acks[3].gap) == (total, None)
    assert await count_rows(engine, "ingested_events", register_id=reg.register_id) == total
    assert await count_rows(engine, "orders") == 3
    assert await count_rows(engine, "held_events") == 0


async def test_a_restarted_register_resending_an_overlapping_batch_adds_nothing_twice(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    [reg] = await seed_registers(engine, 1)
    shift_id = uuid7()
    reg.open_shift(shift_id)
    reg.order(shift_id)
    reg.order(shift_id, split=True)
    total = len(reg.events)
    middle = total // 2
    async with running_workers(engine, broker):
        await edge.send(reg.batch(1, middle))
        await edge.wait_committed(reg.register_id, middle)
        # The register crashed before it saw the ack and restarts from an older sequence.
        await edge.send(reg.batch(2, total))
        ack = await edge.wait_committed(reg.register_id, total)
    assert (ack.committed_seq, ack.gap) == (total, None)
    assert await count_rows(engine, "ingested_events") == total
    assert await count_rows(engine, "orders") == 2
    assert await count_rows(engine, "order_lines") == 4
    assert await count_rows(engine, "order_payments") == 3
    assert await count_rows(engine, "order_status_history", field="status") == 2 * 4
    assert await count_rows(engine, "fiscal_documents") == 3  # open shift + two sales
    assert await count_rows(engine, "shifts") == 1
