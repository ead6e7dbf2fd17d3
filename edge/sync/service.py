"""The register's MQTT link to its hub: one connection at a time, reconnected with backoff forever.

Per connection it publishes the outbox (:mod:`edge.sync.outbox`), applies acks, keeps a retained status
(last will ``offline`` set before connecting, ``online`` birth on connect, heartbeats with backlog and
device health) and feeds commands and catalog snapshots to the inbox worker, which outlives connections.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import socket
import ssl
import uuid
from collections.abc import Callable, Coroutine
from datetime import datetime
from typing import Any

import aiomqtt
import structlog
from paho.mqtt.reasoncodes import ReasonCode

from edge.db.session import Database
from edge.sync._state import AckSlot, Identity, SyncState, message_bytes, utcnow
from edge.sync._store import SyncStore
from edge.sync.config import SyncSettings
from edge.sync.inbox import Inbox, InboxHandlers
from edge.sync.outbox import OutboxPublisher
from protocols.catalog import CatalogSnapshot
from protocols.codec import DecodeError, decode_ack, encode
from protocols.commands import CommandResult
from protocols.envelope import RegisterStatus
from protocols.events import DeviceHealth
from protocols.topics import Channel, catalog_topic, register_topic

__all__ = ["HealthSource", "SyncService", "SyncState"]

log = structlog.get_logger("edge.sync")

HealthSource = Callable[[], list[DeviceHealth]]


def _code(code: int | ReasonCode) -> int:
    return code.value if isinstance(code, ReasonCode) else code


class SyncService:
    def __init__(
        self,
        settings: SyncSettings,
        db: Database,
        handlers: InboxHandlers,
        version: str,
        health: HealthSource,
    ) -> None:
        self.settings = settings
        self.store = SyncStore(db)
        self.handlers = handlers
        self.version = version
        self.health_source = health
        self.identity: Identity | None = None
        if settings.enrolled:
            assert settings.org_id and settings.location_id and settings.register_id
            self.identity = Identity(
                uuid.UUID(settings.org_id), uuid.UUID(settings.location_id), uuid.UUID(settings.register_id)
            )
        self._tasks: list[asyncio.Task[None]] = []
        self._stopping = asyncio.Event()
        self._stats_dirty = asyncio.Event()
        self._status_due = asyncio.Event()
        self._inbox_queue: asyncio.Queue[tuple[str, bytes]] = asyncio.Queue()
        self._client: aiomqtt.Client | None = None
        self._publisher: OutboxPublisher | None = None
        self._unsent_results: list[CommandResult] = []
        self._acked = 0
        self._last_ack_at: datetime | None = None
        self._last_seq = 0
        self._backlog = 0
        self._oldest: datetime | None = None
        self._last_error = ""
        self.inbox: Inbox | None = None

    # ------------------------------------------------------------------------------------- lifecycle

    async def start(self) -> None:
        self._acked = await self.store.acked_seq()
        last_ack = await self.store.get("last_ack_at")
        self._last_ack_at = datetime.fromisoformat(last_ack) if last_ack else None
        await self._refresh_stats()
        self._spawn(self._bookkeeping(), "sync-stats")
        if self.identity is None:
            log.info("sync.standalone", reason="not enrolled")
            return
        self.inbox = Inbox(
            self.store,
            self.handlers,
            org_id=self.identity.org_id,
            location_id=self.identity.location_id,
            register_id=self.identity.register_id,
            publish_result=self._publish_result,
        )
        await self.inbox.load()
        self._spawn(self._inbox_worker(), "sync-inbox")
        self._spawn(self._connection_loop(self.identity), "sync-mqtt")

    async def stop(self) -> None:
        self._stopping.set()
        connection = next((t for t in self._tasks if t.get_name() == "sync-mqtt"), None)
        if connection is not None:
            # the connection says goodbye (retained offline, clean disconnect) on its own
            with contextlib.suppress(TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(asyncio.shield(connection), timeout=5)
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        self._tasks.clear()

    def notify(self) -> None:
        """New outbox rows are committed: publish now rather than on the next wake-up."""
        if self._publisher is not None:
            self._publisher.wake.set()
        self._stats_dirty.set()

    def notify_health(self) -> None:
        """A device's health changed: republish the status now instead of at the next heartbeat."""
        self._status_due.set()

    def resend_from(self, seq: int) -> bool:
        """Publish the outbox again from ``seq`` on the current connection (the technician's resend).

        False when there is no connection; a new connection resends everything unacknowledged anyway.
        """
        publisher = self._publisher
        if publisher is None:
            return False
        publisher.on_gap(seq)
        return True

    def state(self) -> SyncState:
        return SyncState(
            enrolled=self.identity is not None,
            connected=self._client is not None,
            acked_seq=self._acked,
            last_seq=max(self._last_seq, self._acked),
            backlog=self._backlog,
            oldest_unacked_at=self._oldest,
            last_ack_at=self._last_ack_at,
            last_error=self._last_error or (self.inbox.last_error if self.inbox else ""),
            catalog_version=self.inbox.catalog_version if self.inbox else None,
            broker=f"{self.settings.broker_host}:{self.settings.broker_port}" if self.settings.broker_host else "",
        )

    @property
    def last_catalog(self) -> CatalogSnapshot | None:
        """The newest snapshot received this run, applied or not (for ``catalog.reload``)."""
        return self.inbox.last_catalog if self.inbox else None

    async def reapply_catalog(self) -> bool:
        """Apply the last received snapshot again if it was not applied; True if it was applied now."""
        snapshot = self.last_catalog
        if snapshot is None or self.inbox is None:
            return False
        await self.store.put({"catalog_rejected": ""})
        return await self.inbox.handle_catalog(encode(snapshot))

    def _spawn(self, coro: Coroutine[Any, Any, None], name: str) -> None:
        self._tasks.append(asyncio.create_task(coro, name=name))

    # ------------------------------------------------------------------------------------ bookkeeping

    async def _refresh_stats(self) -> None:
        backlog = await self.store.backlog()
        self._backlog, self._last_seq, self._oldest = backlog.count, backlog.last_seq, backlog.oldest_at

    async def _bookkeeping(self) -> None:
        while True:
            await self._stats_dirty.wait()
            self._stats_dirty.clear()
            try:
                await self._refresh_stats()
            except Exception:
                log.exception("sync.stats_failed")
            await asyncio.sleep(0.2)  # coalesce bursts of notify()

    def _set_error(self, error: str) -> None:
        self._last_error = error[:2000]

    # ------------------------------------------------------------------------------------- connection

    def _status(self, identity: Identity, state: str) -> bytes:
        devices: list[DeviceHealth] = []
        if state == "online":
            try:
                devices = list(self.health_source())
            except Exception:
                log.exception("sync.health_failed")
        return encode(
            RegisterStatus(
                register_id=identity.register_id,
                state="online" if state == "online" else "offline",
                version=self.version[:200],
                outbox_backlog=self._backlog,
                oldest_unacked_at=self._oldest,
                catalog_version=self.inbox.catalog_version if self.inbox else None,
                devices=devices,
                at=utcnow() if state == "online" else None,
            )
        )

    def _client_for(self, identity: Identity) -> aiomqtt.Client:
        s = self.settings
        tls_context = None
        if s.tls:
            tls_context = ssl.create_default_context(cafile=s.ca_file) if s.ca_file else ssl.create_default_context()
        status_topic = register_topic(
            str(identity.org_id), str(identity.location_id), str(identity.register_id), Channel.STATUS
        )
        return aiomqtt.Client(
            s.broker_host or "127.0.0.1",
            s.broker_port,
            username=s.username,
            password=s.password,
            identifier=f"yago-edge-{identity.register_id}",
            # a persistent session keeps commands queued at the broker while the register is away
            clean_session=False,
            protocol=aiomqtt.ProtocolVersion.V311,
            will=aiomqtt.Will(status_topic, self._status(identity, "offline"), qos=1, retain=True),
            keepalive=max(10, int(s.heartbeat_seconds * 2)),
            timeout=10,
            tls_context=tls_context,
            # batches are large single writes; Nagle would hold their tail for the peer's delayed ACK
            socket_options=[(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)],
        )

    async def _connection_loop(self, identity: Identity) -> None:
        delay = self.settings.reconnect_min_seconds
        while not self._stopping.is_set():
            connected = False
            try:
                async with self._client_for(identity) as client:
                    connected = True
                    delay = self.settings.reconnect_min_seconds
                    await self._session(client, identity)
            except aiomqtt.MqttError as exc:
                self._set_error(f"broker: {exc}")
                if connected:
                    log.warning("sync.disconnected", error=str(exc))
                else:
                    log.info("sync.connect_failed", error=str(exc), retry_in=round(delay, 2))
            except Exception as exc:
                # a database or codec failure must not end sync for good: report it and start over
                self._set_error(f"{type(exc).__name__}: {exc}")
                log.exception("sync.session_failed")
            finally:
                self._client = None
                self._publisher = None
            if self._stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), timeout=delay * random.uniform(0.8, 1.2))
            delay = min(delay * 2, self.settings.reconnect_max_seconds)

    async def _session(self, client: aiomqtt.Client, identity: Identity) -> None:
        org, loc, reg = str(identity.org_id), str(identity.location_id), str(identity.register_id)
        topics = {channel: register_topic(org, loc, reg, channel) for channel in Channel}
        catalog = catalog_topic(org, loc)
        wanted = [topics[Channel.ACK], topics[Channel.CMD], catalog]
        granted = await client.subscribe([(topic, 1) for topic in wanted])
        codes: list[int | ReasonCode] = list(granted)
        refused = [topic for topic, code in zip(wanted, codes, strict=False) if _code(code) >= 0x80]
        if refused:
            # MQTT 3.1.1 brokers refuse a subscription in the SUBACK only: say so, the ACL needs fixing
            log.error("sync.subscription_refused", topics=refused)
        self._acked = await self.store.acked_seq()

        async def publish_batch(payload: bytes) -> None:
            await client.publish(topics[Channel.EVT], payload, qos=1)

        publisher = OutboxPublisher(
            self.store,
            publish_batch,
            org_id=identity.org_id,
            location_id=identity.location_id,
            register_id=identity.register_id,
            acked=self._acked,
            batch_max=self.settings.batch_max,
            window_batches=self.settings.window_batches,
            resend_after=self.settings.resend_after_seconds,
        )
        await client.publish(topics[Channel.STATUS], self._status(identity, "online"), qos=1, retain=True)
        self._client, self._publisher = client, publisher
        self._set_error(f"broker refused subscriptions: {', '.join(refused)}" if refused else "")
        log.info("sync.connected", broker=f"{self.settings.broker_host}:{self.settings.broker_port}")
        for result in self._unsent_results[:]:
            await client.publish(topics[Channel.CMD_RES], encode(result), qos=1)
            self._unsent_results.remove(result)

        acks = AckSlot()
        tasks = [
            asyncio.create_task(publisher.run(), name="sync-publish"),
            asyncio.create_task(self._receive(client, topics, catalog, publisher, identity, acks), name="sync-receive"),
            asyncio.create_task(self._commit_acks(publisher, acks), name="sync-acks"),
            asyncio.create_task(self._heartbeat(client, topics[Channel.STATUS], identity), name="sync-heartbeat"),
            asyncio.create_task(self._stopping.wait(), name="sync-stop"),
        ]
        try:
            done, _ = await asyncio.wait(tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for task in tasks:
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
        for task in done:
            error = None if task.cancelled() else task.exception()
            if error is not None:
                raise error
        if self._stopping.is_set():
            with contextlib.suppress(aiomqtt.MqttError):
                await client.publish(topics[Channel.STATUS], self._status(identity, "offline"), qos=1, retain=True)

    async def _heartbeat(self, client: aiomqtt.Client, topic: str, identity: Identity) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._status_due.wait(), timeout=self.settings.heartbeat_seconds)
            self._status_due.clear()
            await self._refresh_stats()
            await client.publish(topic, self._status(identity, "online"), qos=1, retain=True)

    async def _receive(
        self,
        client: aiomqtt.Client,
        topics: dict[Channel, str],
        catalog: str,
        publisher: OutboxPublisher,
        identity: Identity,
        acks: AckSlot,
    ) -> None:
        async for message in client.messages:
            topic = message.topic.value
            payload = message_bytes(message)
            if topic == topics[Channel.ACK]:
                self._on_ack(payload, publisher, identity, acks)
            elif topic == topics[Channel.CMD]:
                self._inbox_queue.put_nowait(("cmd", payload))
            elif topic == catalog:
                self._inbox_queue.put_nowait(("catalog", payload))

    def _on_ack(self, payload: bytes, publisher: OutboxPublisher, identity: Identity, acks: AckSlot) -> None:
        try:
            ack = decode_ack(payload)
        except DecodeError as exc:
            log.warning("sync.ack_unreadable", error=exc.reason[:200])
            return
        if ack.register_id != identity.register_id:
            return
        if ack.gap is not None:
            publisher.on_gap(ack.gap.from_seq)
        acks.offer(ack.committed_seq)

    async def _commit_acks(self, publisher: OutboxPublisher, acks: AckSlot) -> None:
        """Apply the newest ack; under load several acks collapse into one delete and one fsync."""
        while True:
            committed = await acks.take()
            # the hub holds these already: the publisher moves past them before their rows are deleted,
            # so a read racing the delete never mistakes the deleted rows for a hole in the outbox
            publisher.on_ack(committed)
            if committed > self._acked:
                at = utcnow()
                deleted = await self.store.commit_ack(committed, at)
                self._acked, self._last_ack_at = committed, at
                log.debug("sync.acked", committed_seq=committed, deleted=deleted)
                self._stats_dirty.set()

    # ------------------------------------------------------------------------------------------ inbox

    async def _inbox_worker(self) -> None:
        while True:
            kind, payload = await self._inbox_queue.get()
            assert self.inbox is not None
            try:
                if kind == "cmd":
                    await self.inbox.handle_command(payload)
                else:
                    await self.inbox.handle_catalog(payload)
            except Exception:
                log.exception("sync.inbox_failed", kind=kind)

    async def _publish_result(self, result: CommandResult) -> None:
        client, identity = self._client, self.identity
        assert identity is not None
        topic = register_topic(
            str(identity.org_id), str(identity.location_id), str(identity.register_id), Channel.CMD_RES
        )
        if client is not None:
            try:
                await client.publish(topic, encode(result), qos=1)
                return
            except aiomqtt.MqttError as exc:
                log.info("sync.result_deferred", error=str(exc))
        # stored in inbox_commands as well; a redelivery or the next connection sends it
        self._unsent_results.append(result)
