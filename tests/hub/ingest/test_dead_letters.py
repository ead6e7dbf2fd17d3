"""Poison messages become dead letters with a reason, and the worker keeps ingesting afterwards."""

from __future__ import annotations

import aiomqtt
import msgspec
import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.ingest.consumer import BrokerConfig, Inbound, IngestWorker
from protocols.codec import encode
from protocols.ids import uuid7
from protocols.topics import Channel, register_topic
from tests.hub.ingest._harness import FakeEdge, count_rows, fetch, running_workers, seed_registers

pytestmark = pytest.mark.integration


async def test_poison_messages_are_dead_lettered_and_the_worker_keeps_going(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    reg, other = await seed_registers(engine, 2)
    [stranger] = await seed_registers(engine, 1)  # another organization
    reg.order()
    other.order()
    stranger.order()
    org, loc = str(reg.org_id), str(reg.location_id)
    own_topic = register_topic(org, loc, str(reg.register_id), Channel.EVT)
    other_topic = register_topic(org, loc, str(other.register_id), Channel.EVT)
    unknown = uuid7()
    unknown_topic = register_topic(org, loc, str(unknown), Channel.EVT)
    forged = msgspec.structs.replace(reg.batch(1, 2), register_id=unknown)
    wrong_org = msgspec.structs.replace(stranger.batch(1, 2), org_id=reg.org_id, location_id=reg.location_id)
    poison: list[tuple[str, bytes, str]] = [
        (own_topic, b"\x00not json{", "invalid event batch"),
        (own_topic, b'{"schema": 1, "register_id": "nope"}', "invalid event batch"),
        (own_topic, encode(other.batch(1, 2)), f"payload register {other.register_id}"),
        (other_topic, encode(reg.batch(1, 2)), f"payload register {reg.register_id}"),
        (unknown_topic, encode(forged), f"unknown register {unknown}"),
        (
            register_topic(org, loc, str(stranger.register_id), Channel.EVT),
            encode(wrong_org),
            "does not belong to",
        ),
        (register_topic("acme", "main", "till-1", Channel.EVT), encode(reg.batch(1, 2)), "not register UUIDs"),
    ]
    async with running_workers(engine, broker):
        for topic, payload, _ in poison:
            await edge.publish_raw(topic, payload)
        # One worker handles messages in order: once this is acknowledged every poison message was seen.
        await edge.send(reg.batch(1, len(reg.events)))
        ack = await edge.wait_committed(reg.register_id, len(reg.events))
    assert ack.committed_seq == len(reg.events)
    letters = await fetch(engine, "dead_letters", order_by="id")
    assert [(letter["topic"], letter["payload"]) for letter in letters] == [(t, p) for t, p, _ in poison]
    for letter, (_, _, reason) in zip(letters, poison, strict=True):
        assert reason in letter["reason"]
    # Nothing of the refused batches was committed anywhere.
    assert await count_rows(engine, "ingested_events") == len(reg.events)
    assert await count_rows(engine, "orders") == 1
    assert await count_rows(engine, "register_streams") == 1


async def test_a_batch_reusing_another_registers_event_ids_is_refused_without_harm(
    engine: AsyncEngine, broker: BrokerConfig, edge: FakeEdge
) -> None:
    victim, intruder = await seed_registers(engine, 2)
    victim.order()
    intruder.order()
    stolen = msgspec.structs.replace(intruder.events[0], event_id=victim.events[0].event_id)
    forged = msgspec.structs.replace(intruder.batch(1, 1), events=[stolen])
    topic = register_topic(str(intruder.org_id), str(intruder.location_id), str(intruder.register_id), Channel.EVT)
    worker = IngestWorker(engine, broker, client_id="direct")
    async with aiomqtt.Client(broker.host, broker.port) as client:
        await worker.handle(
            client,
            register_topic(str(victim.org_id), str(victim.location_id), str(victim.register_id), Channel.EVT),
            encode(victim.batch(1, len(victim.events))),
        )
        # The forged batch and the register's honest resend are drained together.
        await worker.handle_many(
            client, [Inbound(topic, encode(forged)), Inbound(topic, encode(intruder.batch(1, len(intruder.events))))]
        )
        ack = await edge.wait_committed(intruder.register_id, len(intruder.events))
    assert ack.committed_seq == len(intruder.events)
    assert [a.committed_seq for a in edge.acks[intruder.register_id]] == [len(intruder.events)]
    [letter] = await fetch(engine, "dead_letters")
    assert "database refused the batch" in letter["reason"]
    assert letter["payload"] == encode(forged)
    victim_log = await fetch(engine, "ingested_events", order_by="seq", register_id=victim.register_id)
    assert [e["event_id"] for e in victim_log] == [e.event_id for e in victim.events]
