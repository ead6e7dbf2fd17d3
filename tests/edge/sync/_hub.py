"""A small hub stand-in for sync tests: commits each register's events in sequence order, drops duplicates,
reports gaps and acknowledges the highest committed seq, over a real broker."""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from dataclasses import dataclass, field

import aiomqtt

from protocols.codec import decode_batch, decode_command_result, decode_status, encode
from protocols.commands import CommandResult
from protocols.envelope import Ack, Gap, RegisterStatus
from protocols.ids import utcnow
from protocols.topics import Channel, register_topic


@dataclass
class Ids:
    org: uuid.UUID
    loc: uuid.UUID
    reg: uuid.UUID

    def topic(self, channel: Channel) -> str:
        return register_topic(str(self.org), str(self.loc), str(self.reg), channel)


@dataclass
class AckingHub:
    ids: Ids
    port: int
    username: str | None = None
    password: str | None = None
    ack: bool = True
    drop_batches: set[int] = field(default_factory=set)  # first_seq values to ignore once (as if lost)
    committed: list[int] = field(default_factory=list)
    received_batches: int = 0
    duplicates: int = 0
    statuses: list[RegisterStatus] = field(default_factory=list)
    results: list[CommandResult] = field(default_factory=list)
    _client: aiomqtt.Client | None = None
    _task: asyncio.Task[None] | None = None
    _ready: asyncio.Event = field(default_factory=asyncio.Event)

    @property
    def committed_seq(self) -> int:
        return self.committed[-1] if self.committed else 0

    async def __aenter__(self) -> AckingHub:
        self._task = asyncio.create_task(self._run())
        await asyncio.wait_for(self._ready.wait(), 10)
        return self

    async def __aexit__(self, *exc: object) -> None:
        assert self._task is not None
        self._task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self._task

    async def publish(self, topic: str, payload: bytes, retain: bool = False) -> None:
        assert self._client is not None
        await self._client.publish(topic, payload, qos=1, retain=retain)

    async def _run(self) -> None:
        async with aiomqtt.Client(
            "127.0.0.1", self.port, username=self.username, password=self.password, identifier=f"hub-{uuid.uuid4()}"
        ) as client:
            self._client = client
            await client.subscribe(
                [
                    (self.ids.topic(Channel.EVT), 1),
                    (self.ids.topic(Channel.STATUS), 1),
                    (self.ids.topic(Channel.CMD_RES), 1),
                ]
            )
            self._ready.set()
            async for message in client.messages:
                payload = message.payload
                assert isinstance(payload, bytes)
                topic = message.topic.value
                if topic == self.ids.topic(Channel.STATUS):
                    self.statuses.append(decode_status(payload))
                elif topic == self.ids.topic(Channel.CMD_RES):
                    self.results.append(decode_command_result(payload))
                else:
                    await self._on_batch(client, payload)

    async def _on_batch(self, client: aiomqtt.Client, payload: bytes) -> None:
        batch = decode_batch(payload)
        self.received_batches += 1
        if batch.first_seq in self.drop_batches:
            self.drop_batches.discard(batch.first_seq)
            return
        gap = None
        if batch.first_seq > self.committed_seq + 1:
            gap = Gap(from_seq=self.committed_seq + 1, to_seq=batch.first_seq - 1)
        else:
            for event in batch.events:
                if event.seq <= self.committed_seq:
                    self.duplicates += 1
                    continue
                self.committed.append(event.seq)
        if self.ack:
            ack = Ack(register_id=self.ids.reg, committed_seq=self.committed_seq, gap=gap, acked_at=utcnow())
            await client.publish(self.ids.topic(Channel.ACK), encode(ack), qos=1)
