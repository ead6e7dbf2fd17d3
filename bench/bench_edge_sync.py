"""Outbox publisher throughput: events per second committed and acknowledged end to end (SQLite outbox →
SyncService → private Mosquitto → acking hub stand-in → ack → rows deleted), against raw paho publishing
the same event payloads one per message at QoS 1 to a subscriber on the same broker.

Both runs use the same events and the same broker, back to back; the ratio is outbox / raw.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import threading
import time
import uuid
from pathlib import Path

import paho.mqtt.client as paho
import structlog
from paho.mqtt.enums import CallbackAPIVersion
from sqlalchemy import insert

from edge.db.models import metadata, outbox
from edge.db.outbox import header
from edge.db.session import Database
from edge.sync.config import SyncSettings
from edge.sync.service import SyncService
from protocols.catalog import CatalogSnapshot
from protocols.codec import decode_batch, encode
from protocols.commands import Command, CommandResult
from protocols.envelope import Ack
from protocols.events import OrderCreated
from protocols.ids import utcnow, uuid7
from protocols.topics import Channel, register_topic
from tests.support.mosquitto import MosquittoBroker

EVENTS = 20_000


class _NoInbox:
    async def apply_catalog(self, snapshot: CatalogSnapshot) -> tuple[bool, str]:
        return True, ""

    async def run_command(self, command: Command) -> CommandResult:
        raise NotImplementedError


async def _fill_outbox(db: Database, count: int) -> list[bytes]:
    """Commit ``count`` order events straight into the outbox (seq 1..count) and return their payloads."""
    async with db.engine.begin() as conn:
        await conn.run_sync(metadata.create_all)
    rows: list[dict[str, object]] = []
    payloads: list[bytes] = []
    for seq in range(1, count + 1):
        head = header()
        event = OrderCreated(
            event_id=head["event_id"],
            seq=seq,
            occurred_at=head["occurred_at"],
            order_id=uuid7(),
            number=f"A-{seq:05d}",
            comment="капучино 0,3 овсяное",
        )
        payloads.append(encode(event))
        row = {"seq": seq, "event_id": str(event.event_id), "type": "order.created", "payload": payloads[-1]}
        rows.append({**row, "created_at": event.occurred_at})
    async with db.begin() as conn:
        await conn.execute(insert(outbox), rows)
    return payloads


class _AckingHub:
    """The hub's side in its own paho thread, as a separate process would be: decode, commit in order, ack."""

    def __init__(self, port: int, evt: str, ack_topic: str, register_id: uuid.UUID) -> None:
        self.evt, self.ack_topic, self.register_id = evt, ack_topic, register_id
        self.committed = 0
        self.ready = threading.Event()
        self.client = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-hub")
        self.client.on_connect = lambda client, *args: client.subscribe(evt, qos=1)
        self.client.on_subscribe = lambda *args: self.ready.set()
        self.client.on_message = self._on_message
        self.client.connect("127.0.0.1", port)
        self.client.loop_start()
        self.ready.wait(10)

    def _on_message(self, client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        batch = decode_batch(message.payload)
        if batch.first_seq <= self.committed + 1:
            self.committed = max(self.committed, batch.last_seq)
        ack = Ack(register_id=self.register_id, committed_seq=self.committed, acked_at=utcnow())
        client.publish(self.ack_topic, encode(ack), qos=1)

    def close(self) -> None:
        self.client.loop_stop()
        self.client.disconnect()


async def _outbox_run(port: int, db: Database, org: uuid.UUID, loc: uuid.UUID, reg: uuid.UUID, count: int) -> float:
    evt = register_topic(str(org), str(loc), str(reg), Channel.EVT)
    hub = _AckingHub(port, evt, register_topic(str(org), str(loc), str(reg), Channel.ACK), reg)
    try:
        settings = SyncSettings(
            broker_host="127.0.0.1", broker_port=port, org_id=str(org), location_id=str(loc), register_id=str(reg)
        )
        sync = SyncService(settings, db, _NoInbox(), "bench", list)
        started = time.perf_counter()
        await sync.start()
        while sync.state().acked_seq < count:
            await asyncio.sleep(0.002)
        elapsed = time.perf_counter() - started
        await sync.stop()
    finally:
        hub.close()
    return elapsed


def _raw_paho_run(port: int, payloads: list[bytes]) -> float:
    topic = "bench/raw/evt"
    received = threading.Event()
    count = 0

    def on_message(client: paho.Client, userdata: object, message: paho.MQTTMessage) -> None:
        nonlocal count
        count += 1
        if count == len(payloads):
            received.set()

    subscribed = threading.Event()
    sub = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-raw-sub")
    sub.on_message = on_message
    sub.on_subscribe = lambda *args: subscribed.set()
    sub.connect("127.0.0.1", port)
    sub.loop_start()
    sub.subscribe(topic, qos=1)
    subscribed.wait(10)
    pub = paho.Client(CallbackAPIVersion.VERSION2, client_id="bench-raw-pub")
    pub.max_inflight_messages_set(100)
    pub.max_queued_messages_set(0)
    pub.connect("127.0.0.1", port)
    pub.loop_start()
    started = time.perf_counter()
    infos = [pub.publish(topic, payload, qos=1) for payload in payloads]
    infos[-1].wait_for_publish(60)
    received.wait(60)
    elapsed = time.perf_counter() - started
    for client in (pub, sub):
        client.loop_stop()
        client.disconnect()
    return elapsed


def main() -> None:
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with tempfile.TemporaryDirectory() as tmp, MosquittoBroker(workdir=Path(tmp) / "mosquitto") as broker:
        db = Database(f"sqlite+aiosqlite:///{Path(tmp) / 'edge.db'}")

        async def outbox() -> tuple[list[bytes], float]:
            payloads = await _fill_outbox(db, EVENTS)
            elapsed = await _outbox_run(broker.port, db, uuid7(), uuid7(), uuid7(), EVENTS)
            await db.dispose()
            return payloads, elapsed

        payloads, outbox_s = asyncio.run(outbox())
        raw_s = _raw_paho_run(broker.port, payloads)
    outbox_rate, raw_rate = EVENTS / outbox_s, EVENTS / raw_s
    size = sum(map(len, payloads)) / len(payloads)
    print(f"events: {EVENTS}, mean payload {size:.0f} B, batch_max {SyncSettings().batch_max}")
    print(f"outbox publisher, acked end to end and deleted: {outbox_rate:10.0f} events/s ({outbox_s:.2f} s)")
    print(f"raw paho QoS 1, one event per message:          {raw_rate:10.0f} events/s ({raw_s:.2f} s)")
    print(f"ratio outbox / raw paho: {outbox_rate / raw_rate:.2f}x")


if __name__ == "__main__":
    main()
