"""One ingest worker: an MQTT client on the shared ``evt`` subscription (and the ``status`` topic) that
commits batches in one transaction per register, acknowledges them, and dead-letters what it refuses.

Batches that queued up while the worker was busy (a backlog draining) are taken together: the batches
of one register then share one transaction, which is where the ingest's throughput comes from, and the
commits of different registers overlap on separate connections (on PostgreSQL).

A worker never crashes on a message: undecodable, inconsistent or foreign payloads become dead
letters; a database outage leaves the batch unacknowledged so the register sends it again.
"""

from __future__ import annotations

import asyncio
import logging
import socket
import ssl
import time
import uuid
from dataclasses import dataclass, field

import aiomqtt
import msgspec
import sqlalchemy as sa
from aiomqtt import ProtocolVersion
from sqlalchemy import exc as sa_exc
from sqlalchemy.ext.asyncio import AsyncEngine

from hub.db.models.ingest import DeadLetter
from hub.ingest import metrics
from hub.ingest._bulk import RawJson
from hub.ingest._rows import RegisterScope
from hub.ingest.acks import build_ack, publish_ack
from hub.ingest.presence import record_status
from hub.ingest.registers import RegisterDirectory
from hub.ingest.stream import CommitOutcome, commit_events
from protocols.codec import DecodeError, decode_batch, decode_status
from protocols.envelope import Ack, EventBatch, RegisterStatus
from protocols.events import Event
from protocols.ids import utcnow, uuid7
from protocols.topics import (
    Channel,
    RegisterTopic,
    TopicError,
    all_registers_filter,
    parse_register_topic,
    shared_filter,
)

log = logging.getLogger(__name__)

_SUBACK_FAILURE = 0x80
_TRANSIENT = (sa_exc.DBAPIError, OSError, TimeoutError)
"""Database failures that say nothing about the message (server down, schema not migrated yet): leave it
unacknowledged so the register sends it again, never dead-letter it."""


def _refused(code: object) -> bool:
    """Whether a SUBACK entry (an int on MQTT 3.1.1, a reason code on MQTT 5) refuses the subscription."""
    if isinstance(code, int):
        return code >= _SUBACK_FAILURE
    is_failure = getattr(code, "is_failure", False)
    return bool(is_failure()) if callable(is_failure) else bool(is_failure)


@dataclass(frozen=True, slots=True)
class BrokerConfig:
    """Where the hub's MQTT account connects."""

    host: str = "127.0.0.1"
    port: int = 1883
    username: str | None = None
    password: str | None = None
    tls: bool = False


@dataclass
class Inbound:
    """A message as received: topic, payload and when it arrived (for the latency metric)."""

    topic: str
    payload: bytes
    received: float = field(default_factory=time.perf_counter)


class _RawEvents(msgspec.Struct):
    """A batch's events as undecoded JSON slices of the payload, for the event log."""

    events: list[msgspec.Raw]


_raw_events = msgspec.json.Decoder(_RawEvents)


def raw_events(payload: bytes) -> list[str]:
    """The JSON text of each event in an ``evt`` payload that already decoded as an :class:`EventBatch`."""
    return [RawJson(bytes(event), "utf-8") for event in _raw_events.decode(payload).events]


@dataclass
class _RegisterWork:
    """The valid batches one register sent within one drain of the inbox."""

    scope: RegisterScope
    messages: list[Inbound] = field(default_factory=list)
    batches: list[EventBatch] = field(default_factory=list)
    raw: list[list[str]] = field(default_factory=list)


class Refused(Exception):
    """A message the worker will not commit; ``kind`` labels the dead-letter metric."""

    def __init__(self, kind: str, reason: str) -> None:
        super().__init__(reason)
        self.kind = kind
        self.reason = reason


class IngestWorker:
    """Consumes register events and statuses until cancelled; reconnects to the broker on its own."""

    def __init__(
        self,
        engine: AsyncEngine,
        broker: BrokerConfig,
        *,
        client_id: str,
        shared: bool = True,
        clean_session: bool = False,
        reconnect_delay: float = 1.0,
        register_cache_ttl: float = 30.0,
        max_drain: int = 200,
        parallel_commits: int = 2,
    ) -> None:
        self.engine = engine
        self.broker = broker
        self.client_id = client_id
        self.shared = shared
        self.clean_session = clean_session
        self.reconnect_delay = reconnect_delay
        self.max_drain = max_drain
        # SQLite takes one writer at a time: a second connection would only queue on its lock.
        self.parallel_commits = 1 if engine.dialect.name == "sqlite" else parallel_commits
        """Registers committed at once from one drain (each on its own pooled connection)."""
        self.registers = RegisterDirectory(engine, ttl=register_cache_ttl)
        self.ready = asyncio.Event()
        """Set while connected and subscribed (tests and the CLI wait on it)."""
        self.using_shared: bool | None = None

    # -- MQTT side -------------------------------------------------------------------------------------

    def _client(self) -> aiomqtt.Client:
        client = aiomqtt.Client(
            self.broker.host,
            self.broker.port,
            username=self.broker.username,
            password=self.broker.password,
            identifier=self.client_id,
            protocol=ProtocolVersion.V311,
            clean_session=self.clean_session,
            tls_context=ssl.create_default_context() if self.broker.tls else None,
            # Acks are small QoS 1 publishes; Nagle's algorithm would hold each one back ~40 ms.
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )
        # Acks for a drained backlog go out together; that many pending publishes is expected here.
        client.pending_calls_threshold = 2 * self.max_drain + 10
        return client

    async def _subscribe(self, client: aiomqtt.Client) -> None:
        if self.shared:
            granted = await client.subscribe(shared_filter(Channel.EVT), qos=1)
            self.using_shared = not any(_refused(code) for code in granted)
            if not self.using_shared:
                log.warning("broker refused the shared subscription; every worker now sees every batch")
        else:
            self.using_shared = False
        if not self.using_shared:
            await client.subscribe(all_registers_filter(Channel.EVT), qos=1)
        # Retained statuses are not delivered to shared subscriptions, so each worker reads them all;
        # recording a status twice is harmless.
        await client.subscribe(all_registers_filter(Channel.STATUS), qos=1)

    @staticmethod
    async def _read(client: aiomqtt.Client, inbox: asyncio.Queue[Inbound]) -> None:
        async for message in client.messages:
            payload = message.payload
            data = payload if isinstance(payload, bytes) else str(payload or "").encode()
            inbox.put_nowait(Inbound(message.topic.value, data))

    async def run(self) -> None:
        """Connect, subscribe and consume until cancelled, reconnecting after broker failures."""
        while True:
            try:
                async with self._client() as client:
                    await self._subscribe(client)
                    inbox: asyncio.Queue[Inbound] = asyncio.Queue()
                    reader = asyncio.create_task(self._read(client, inbox))
                    self.ready.set()
                    log.info("ingest worker subscribed", extra={"client_id": self.client_id})
                    try:
                        await self._consume(client, inbox, reader)
                    finally:
                        reader.cancel()
            except aiomqtt.MqttError as exc:
                log.warning("broker connection lost, reconnecting", extra={"error": str(exc)})
                await asyncio.sleep(self.reconnect_delay)
            except Exception:
                log.exception("ingest worker failed, reconnecting")
                await asyncio.sleep(self.reconnect_delay)
            finally:
                self.ready.clear()

    async def _consume(self, client: aiomqtt.Client, inbox: asyncio.Queue[Inbound], reader: asyncio.Task[None]) -> None:
        while True:
            getter = asyncio.ensure_future(inbox.get())
            done, _ = await asyncio.wait({getter, reader}, return_when=asyncio.FIRST_COMPLETED)
            if getter not in done:
                getter.cancel()
                reader.result()  # the connection ended: raise its error so run() reconnects
                return
            messages = [getter.result()]
            while len(messages) < self.max_drain and not inbox.empty():
                messages.append(inbox.get_nowait())
            await self.handle_many(client, messages)

    async def handle(self, client: aiomqtt.Client, topic: str, payload: bytes) -> None:
        """Process one message (as :meth:`handle_many` with a single message)."""
        await self.handle_many(client, [Inbound(topic, payload)])

    async def handle_many(self, client: aiomqtt.Client, messages: list[Inbound]) -> None:
        """Process messages in arrival order; each register's batches are committed together."""
        await self._commit_all(client, await self._prepare(messages))

    async def _prepare(self, messages: list[Inbound]) -> dict[uuid.UUID, _RegisterWork]:
        """Check and decode messages, grouping event batches by register; statuses and refusals are
        dealt with here and then."""
        work: dict[uuid.UUID, _RegisterWork] = {}
        for message in messages:
            try:
                parsed = parse_register_topic(message.topic)
            except TopicError as exc:
                await self.dead_letter(message.topic, message.payload, "topic", str(exc))
                continue
            try:
                if parsed.channel is Channel.EVT:
                    scope, batch = await self.validate(parsed, message.payload)
                    item = work.setdefault(scope.register_id, _RegisterWork(scope))
                    item.messages.append(message)
                    item.batches.append(batch)
                    item.raw.append(raw_events(message.payload))
                elif parsed.channel is Channel.STATUS:
                    await self.presence(parsed, message.payload)
            except Refused as exc:
                await self.dead_letter(message.topic, message.payload, exc.kind, exc.reason)
            except _TRANSIENT as exc:
                # Registers could not be looked up (database down or not migrated yet): the register resends.
                metrics.TRANSIENT_ERRORS.inc()
                log.warning("message left unacknowledged", extra={"topic": message.topic, "error": str(exc)})
            except Exception as exc:  # a bug must cost one message, not the worker
                log.exception("message failed", extra={"topic": message.topic})
                await self.dead_letter(message.topic, message.payload, "internal", f"internal error: {exc!r}")
        return work

    async def _commit_all(self, client: aiomqtt.Client, work: dict[uuid.UUID, _RegisterWork]) -> None:
        if len(work) <= 1 or self.parallel_commits <= 1:
            for item in work.values():
                await self._commit_and_ack(client, item)
            return
        # Different registers never share a stream row, so their commits may overlap: while one waits on the
        # database the worker folds the next. A register's batches stay in one commit, in arrival order.
        slots = asyncio.Semaphore(self.parallel_commits)

        async def commit(item: _RegisterWork) -> None:
            async with slots:
                await self._commit_and_ack(client, item)

        await asyncio.gather(*(commit(item) for item in work.values()))

    async def _commit_and_ack(self, client: aiomqtt.Client, item: _RegisterWork) -> None:
        try:
            events = [e for batch in item.batches for e in batch.events]
            ack = await self.commit(item.scope, events, [text for texts in item.raw for text in texts])
        except Refused as exc:
            if len(item.batches) > 1:
                # Find the culprit: one refused batch must not take the register's good ones with it.
                for message, batch, raw in zip(item.messages, item.batches, item.raw, strict=True):
                    await self._commit_and_ack(client, _RegisterWork(item.scope, [message], [batch], [raw]))
                return
            await self.dead_letter(item.messages[0].topic, item.messages[0].payload, exc.kind, exc.reason)
            return
        except Exception as exc:
            log.exception("commit failed", extra={"register_id": str(item.scope.register_id)})
            for message in item.messages:
                await self.dead_letter(message.topic, message.payload, "internal", f"internal error: {exc!r}")
            return
        if ack is None:
            return
        # One ack per batch received, all carrying the state after the commit.
        await asyncio.gather(*(publish_ack(client, item.scope, ack) for _ in item.messages))
        now = time.perf_counter()
        for message in item.messages:
            metrics.BATCH_SECONDS.observe(now - message.received)

    # -- database side ---------------------------------------------------------------------------------

    async def _scope(self, topic: RegisterTopic, register_id: uuid.UUID) -> RegisterScope:
        """The scope of the register that published on ``topic``, after checking every identity agrees."""
        try:
            topic_ids = uuid.UUID(topic.org), uuid.UUID(topic.loc), uuid.UUID(topic.reg)
        except ValueError:
            raise Refused("hostile", f"topic levels are not register UUIDs: {topic}") from None
        if topic_ids[2] != register_id:
            raise Refused("hostile", f"payload register {register_id} was published on the topic of {topic.reg}")
        scope = await self.registers.scope(register_id)
        if scope is None:
            raise Refused("hostile", f"unknown register {register_id}")
        if (scope.org_id, scope.location_id) != topic_ids[:2]:
            raise Refused("hostile", f"register {register_id} does not belong to {topic.org}/{topic.loc}")
        return scope

    async def validate(self, topic: RegisterTopic, payload: bytes) -> tuple[RegisterScope, EventBatch]:
        """Decode an ``evt`` message and check who sent it; raises :class:`Refused` otherwise."""
        try:
            batch = decode_batch(payload)
        except DecodeError as exc:
            raise Refused("decode", str(exc)) from None
        scope = await self._scope(topic, batch.register_id)
        if (batch.org_id, batch.location_id) != (scope.org_id, scope.location_id):
            raise Refused("hostile", f"batch claims {batch.org_id}/{batch.location_id}, register is elsewhere")
        return scope, batch

    async def ingest(self, topic: RegisterTopic, payload: bytes) -> tuple[RegisterScope, Ack | None]:
        """Validate and commit one ``evt`` message; the ack to publish, or ``None`` when the database is down."""
        scope, batch = await self.validate(topic, payload)
        return scope, await self.commit(scope, batch.events, raw_events(payload))

    async def commit(self, scope: RegisterScope, events: list[Event], raw: list[str] | None = None) -> Ack | None:
        """Commit a register's events (``raw``: their JSON as received, if known); ``None`` (no ack, the
        register resends) when the database is down."""
        try:
            outcome = await self._commit(scope, events, raw)
        except (sa_exc.IntegrityError, sa_exc.DataError) as exc:
            # The data itself is refused (an id reused across registers, a value out of range).
            raise Refused("rejected", f"database refused the batch: {exc.orig!r}") from None
        except _TRANSIENT as exc:
            metrics.TRANSIENT_ERRORS.inc()
            log.warning("batch left unacknowledged", extra={"register_id": str(scope.register_id), "error": str(exc)})
            return None
        self._count(outcome)
        return build_ack(scope, outcome.committed_seq, outcome.gap, utcnow())

    async def _commit(self, scope: RegisterScope, events: list[Event], raw: list[str] | None) -> CommitOutcome:
        try:
            # New rows go straight into their tables; a key that exists after all fails the transaction.
            async with self.engine.begin() as conn:
                return await commit_events(conn, scope, events, utcnow(), raw, direct=True)
        except sa_exc.IntegrityError:
            # Another worker committed some of these events first (the retry sees its commit and skips them),
            # or an id existed already (the retry's conflict rules decide what happens to that row).
            log.info("commit hit an existing key, retrying", extra={"register_id": str(scope.register_id)})
        async with self.engine.begin() as conn:
            return await commit_events(conn, scope, events, utcnow(), raw)

    def _count(self, outcome: CommitOutcome) -> None:
        metrics.EVENTS_INGESTED.inc(outcome.applied)
        if outcome.duplicates:
            metrics.DUPLICATE_EVENTS.inc(outcome.duplicates)
        if outcome.held:
            metrics.HELD_EVENTS.inc(outcome.held)
        if outcome.gap is not None:
            metrics.GAPS.inc()
        if outcome.orphans:
            metrics.ORPHAN_EVENTS.inc(outcome.orphans)

    async def presence(self, topic: RegisterTopic, payload: bytes) -> None:
        try:
            status: RegisterStatus = decode_status(payload)
        except DecodeError as exc:
            raise Refused("decode", str(exc)) from None
        scope = await self._scope(topic, status.register_id)
        try:
            async with self.engine.begin() as conn:
                await record_status(conn, scope, status, utcnow())
        except _TRANSIENT as exc:
            metrics.TRANSIENT_ERRORS.inc()
            log.warning("status not recorded", extra={"register_id": str(scope.register_id), "error": str(exc)})
            return
        metrics.STATUS_UPDATES.inc()

    async def dead_letter(self, topic: str, payload: bytes, kind: str, reason: str) -> None:
        """Keep a refused message with its reason; losing the letter is logged, never raised."""
        metrics.DEAD_LETTERS.labels(kind=kind).inc()
        log.warning("message dead-lettered", extra={"topic": topic, "kind": kind, "reason": reason[:500]})
        row = {"id": uuid7(), "topic": topic, "payload": payload, "reason": reason, "received_at": utcnow()}
        try:
            async with self.engine.begin() as conn:
                await conn.execute(sa.insert(DeadLetter), row)
        except Exception:
            log.exception("could not store a dead letter", extra={"topic": topic})
