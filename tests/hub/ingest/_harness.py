"""A hub database with enrolled registers, ingest workers on a private broker, and a fake edge that
publishes batches and waits for acknowledgements — shared by the ingest tests and the benchmark."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Iterable
from datetime import UTC, datetime
from typing import Any

import aiomqtt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncEngine

import hub.db.models  # noqa: F401  (registers every model on the metadata)
from hub.db.base import Base
from hub.ingest._db import create_ingest_engine
from hub.ingest.consumer import BrokerConfig, IngestWorker
from protocols.codec import decode_ack, encode
from protocols.envelope import Ack, EventBatch
from protocols.ids import uuid7
from protocols.topics import Channel, all_registers_filter, register_topic
from tests.hub.ingest._events import RegisterStream


async def create_schema(url: str) -> None:
    """Run the hub's migrations (0001 core + 0002 ingest) on an empty database."""
    from hub.db.migrate import upgrade

    await upgrade(url)


def _filler(column: sa.Column[Any], n: int) -> Any:
    """A value for a required column the test does not care about."""
    python_type: Any
    try:
        python_type = getattr(column.type, "impl", column.type).python_type
    except NotImplementedError:
        python_type = str
    if python_type is bool:
        return False
    if python_type is int:
        return 0
    if python_type is datetime:
        return datetime.now(UTC)
    if python_type is uuid.UUID:
        return uuid7()
    if python_type in (dict, list):
        return {}
    return f"{column.name}-{n}-{uuid.uuid4().hex[:8]}"


def _row(table: sa.Table, values: dict[str, Any], n: int) -> dict[str, Any]:
    row = {k: v for k, v in values.items() if k in table.c}
    for column in table.columns:
        if column.name in row or column.nullable or column.default is not None or column.server_default is not None:
            continue
        row[column.name] = _filler(column, n)
    return row


async def seed_registers(engine: AsyncEngine, count: int, org_id: uuid.UUID | None = None) -> list[RegisterStream]:
    """One organization with one location and ``count`` enrolled registers."""
    tables = Base.metadata.tables
    org_id = org_id or uuid7()
    location_id = uuid7()
    streams = [RegisterStream(org_id=org_id, location_id=location_id, register_id=uuid7()) for _ in range(count)]
    async with engine.begin() as conn:
        await conn.execute(sa.insert(tables["organizations"]), _row(tables["organizations"], {"id": org_id}, 0))
        await conn.execute(
            sa.insert(tables["locations"]),
            _row(tables["locations"], {"id": location_id, "org_id": org_id, "currency": "RUB"}, 0),
        )
        for n, s in enumerate(streams):
            await conn.execute(
                sa.insert(tables["registers"]),
                _row(
                    tables["registers"],
                    {"id": s.register_id, "org_id": org_id, "location_id": location_id, "name": f"Till {n}"},
                    n,
                ),
            )
    return streams


class FakeEdge:
    """Publishes batches as registers do and collects the hub's acknowledgements per register."""

    def __init__(self, broker: BrokerConfig) -> None:
        self._client = aiomqtt.Client(
            broker.host,
            broker.port,
            identifier=f"edge-{uuid.uuid4().hex[:8]}",
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        self.acks: dict[uuid.UUID, list[Ack]] = defaultdict(list)
        self._changed = asyncio.Condition()
        self._reader: asyncio.Task[None] | None = None

    async def __aenter__(self) -> FakeEdge:
        await self._client.__aenter__()
        await self._client.subscribe(all_registers_filter(Channel.ACK), qos=1)
        self._reader = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._reader is not None:
            self._reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._reader
        await self._client.__aexit__(None, None, None)

    async def _read(self) -> None:
        async for message in self._client.messages:
            assert isinstance(message.payload, bytes)
            ack = decode_ack(message.payload)
            async with self._changed:
                self.acks[ack.register_id].append(ack)
                self._changed.notify_all()

    async def publish_raw(self, topic: str, payload: bytes, retain: bool = False) -> None:
        await self._client.publish(topic, payload, qos=1, retain=retain)

    async def send(self, batch: EventBatch) -> None:
        topic = register_topic(str(batch.org_id), str(batch.location_id), str(batch.register_id), Channel.EVT)
        await self.publish_raw(topic, encode(batch))

    async def wait_acks(self, register_id: uuid.UUID, count: int, timeout: float = 20.0) -> list[Ack]:
        """Wait until ``count`` acks arrived for the register; returns them all."""
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: len(self.acks[register_id]) >= count)
            return list(self.acks[register_id])

    async def wait_committed(self, register_id: uuid.UUID, seq: int, timeout: float = 30.0) -> Ack:
        async with asyncio.timeout(timeout), self._changed:
            await self._changed.wait_for(lambda: any(a.committed_seq >= seq for a in self.acks[register_id]))
            return self.acks[register_id][-1]


@contextlib.asynccontextmanager
async def running_workers(
    engine: AsyncEngine, broker: BrokerConfig, count: int = 1, shared: bool = True
) -> AsyncIterator[list[IngestWorker]]:
    """``count`` workers on the broker, subscribed before this yields; cancelled on exit."""
    prefix = f"test-ingest-{uuid.uuid4().hex[:6]}"
    workers = [
        IngestWorker(engine, broker, client_id=f"{prefix}-{i}", shared=shared, clean_session=True) for i in range(count)
    ]
    tasks = [asyncio.create_task(w.run()) for w in workers]
    try:
        async with asyncio.timeout(15):
            await asyncio.gather(*(w.ready.wait() for w in workers))
        yield workers
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def count_rows(engine: AsyncEngine, table: str, **where: Any) -> int:
    t = Base.metadata.tables[table]
    query = sa.select(sa.func.count()).select_from(t)
    for key, value in where.items():
        query = query.where(t.c[key] == value)
    async with engine.connect() as conn:
        return int((await conn.execute(query)).scalar_one())


async def fetch(engine: AsyncEngine, table: str, order_by: str | None = None, **where: Any) -> list[dict[str, Any]]:
    t = Base.metadata.tables[table]
    query = sa.select(t)
    for key, value in where.items():
        query = query.where(t.c[key] == value)
    if order_by is not None:
        query = query.order_by(t.c[order_by])
    async with engine.connect() as conn:
        return [dict(r) for r in (await conn.execute(query)).mappings()]


def new_engine(url: str) -> AsyncEngine:
    return create_ingest_engine(url)


def batches(stream: RegisterStream, size: int) -> Iterable[EventBatch]:
    total = len(stream.events)
    for first in range(1, total + 1, size):
        yield stream.batch(first, min(total, first + size - 1))
