"""Several workers on the shared subscription: batches of one register land on different workers, out
of order and twice, and every event and order is still committed exactly once."""

from __future__ import annotations

import asyncio
import random

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest._db import create_ingest_engine
from hub.ingest.consumer import BrokerConfig, IngestWorker
from protocols.codec import encode
from protocols.topics import Channel, RegisterTopic
from tests.hub.ingest._harness import FakeEdge, count_rows, fetch, running_workers, seed_registers

pytestmark = pytest.mark.integration


async def test_two_workers_commit_many_registers_without_duplicates(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    registers = await seed_registers(engine, 6)
    rng = random.Random(7)
    sends = []
    for reg in registers:
        for _ in range(8):
            start = reg.next_seq
            reg.order(split=rng.random() < 0.3)
            batch = reg.batch(start, len(reg.events))
            sends.append(batch)
            if rng.random() < 0.25:
                sends.append(batch)  # a resend before the ack arrived
    async with running_workers(engine, broker, count=2) as workers:
        assert all(w.using_shared for w in workers)
        for batch in sends:
            await edge.send(batch)
        for reg in registers:
            ack = await edge.wait_committed(reg.register_id, len(reg.events))
            assert ack.gap is None
    total_events = sum(len(r.events) for r in registers)
    assert await count_rows(engine, "ingested_events") == total_events
    assert await count_rows(engine, "orders") == 6 * 8
    assert await count_rows(engine, "held_events") == 0
    assert await count_rows(engine, "dead_letters") == 0
    for reg in registers:
        [stream] = await fetch(engine, "register_streams", register_id=reg.register_id)
        assert stream["committed_seq"] == len(reg.events)
        orders = await fetch(engine, "orders", register_id=reg.register_id)
        assert sorted(o["number"] for o in orders) == [f"A-{n:03d}" for n in range(1, 9)]
        assert {o["status"] for o in orders} == {"fiscalized"}


async def test_two_workers_racing_on_the_same_batch_commit_it_once(db_url: str, engine: AsyncEngine) -> None:
    """Both commit paths run at once on separate connections; the stream lock (or the log's unique
    keys) makes one of them apply the events and the other see them as duplicates."""
    [reg] = await seed_registers(engine, 1)
    reg.order()
    reg.order()
    batch = encode(reg.batch(1, len(reg.events)))
    topic = RegisterTopic(str(reg.org_id), str(reg.location_id), str(reg.register_id), Channel.EVT)
    second_engine = create_ingest_engine(db_url)
    try:
        workers = [
            IngestWorker(e, BrokerConfig(), client_id=f"race-{i}") for i, e in enumerate((engine, second_engine))
        ]
        results = await asyncio.gather(*(w.ingest(topic, batch) for w in workers))
    finally:
        await second_engine.dispose()
    assert [ack.committed_seq for _, ack in results if ack is not None] == [len(reg.events)] * 2
    assert await count_rows(engine, "ingested_events") == len(reg.events)
    assert await count_rows(engine, "orders") == 2
    # draft, paying, paid, fiscalized, cooking, ready — once each per order
    assert await count_rows(engine, "order_status_history") == 2 * 6
