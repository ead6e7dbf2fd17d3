"""Publishes catalog snapshots retained (QoS 1) on ``yago/v1/{org}/{loc}/catalog``, and commands on
registers' ``cmd`` topics, from the API's lifespan.

On every (re)connect it republishes the newest snapshot of every location from the database, so a
change made while the broker was down, or a broker that lost its retained store, is caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass

import aiomqtt
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.db.models.catalog import CatalogSnapshotRecord
from hub.db.models.tenancy import Location
from hub.settings import MqttSettings
from protocols.ids import utcnow
from protocols.topics import catalog_topic

log = logging.getLogger("hub.publisher")


@dataclass(frozen=True, slots=True)
class PendingSnapshot:
    org_id: uuid.UUID
    location_id: uuid.UUID
    version: int
    payload: bytes

    @property
    def topic(self) -> str:
        return catalog_topic(str(self.org_id), str(self.location_id))


@dataclass(frozen=True, slots=True)
class PendingCommand:
    """A command for one register: sent once, not retained (the register answers on ``cmd/res``)."""

    topic: str
    payload: bytes


async def latest_snapshots(sessions: async_sessionmaker[AsyncSession]) -> list[PendingSnapshot]:
    """The newest snapshot of every location."""
    stmt = sa.select(CatalogSnapshotRecord).join(
        Location,
        sa.and_(
            Location.id == CatalogSnapshotRecord.location_id, Location.catalog_version == CatalogSnapshotRecord.version
        ),
    )
    async with sessions() as session:
        rows = (await session.scalars(stmt)).all()
    return [PendingSnapshot(r.org_id, r.location_id, r.version, r.payload) for r in rows]


class CatalogPublisher:
    """A background MQTT client; :meth:`submit` never blocks and never fails."""

    def __init__(self, mqtt: MqttSettings, sessions: async_sessionmaker[AsyncSession], retry_delay: float = 1.0):
        self._mqtt = mqtt
        self._sessions = sessions
        self._retry_delay = retry_delay
        self._queue: asyncio.Queue[PendingSnapshot | PendingCommand] = asyncio.Queue()
        self._task: asyncio.Task[None] | None = None
        self.connected = False
        self.published = 0

    def submit(self, snapshot: PendingSnapshot) -> None:
        self._queue.put_nowait(snapshot)

    def submit_command(self, command: PendingCommand) -> bool:
        """Queue a command; False when the broker is not connected (commands are not kept for later)."""
        if not self.connected:
            return False
        self._queue.put_nowait(command)
        return True

    def start(self) -> None:
        if self._mqtt.enabled and self._task is None:
            self._task = asyncio.create_task(self._run(), name="catalog-publisher")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        self.connected = False

    def _client(self) -> aiomqtt.Client:
        return aiomqtt.Client(
            hostname=self._mqtt.host,
            port=self._mqtt.port,
            username=self._mqtt.username if self._mqtt.password else None,
            password=self._mqtt.password,
            identifier=f"{self._mqtt.client_id}-{uuid.uuid4().hex[:8]}",
            tls_params=aiomqtt.TLSParameters() if self._mqtt.tls else None,
            keepalive=30,
        )

    async def _run(self) -> None:
        while True:
            try:
                async with self._client() as client:
                    self.connected = True
                    log.info("publisher connected", extra={"host": self._mqtt.host, "port": self._mqtt.port})
                    self._drain_queue()  # the database holds everything queued so far
                    for snapshot in await latest_snapshots(self._sessions):
                        await self._publish(client, snapshot)
                    while True:
                        await self._publish(client, await self._queue.get())
            except aiomqtt.MqttError as exc:
                if self.connected:
                    log.warning("publisher lost the broker", extra={"error": str(exc)})
                self.connected = False
            except Exception:
                # A database hiccup while catching up: retry rather than lose the publisher.
                log.exception("publisher failed")
                self.connected = False
            await asyncio.sleep(self._retry_delay)

    def _drain_queue(self) -> None:
        # Snapshots are republished from the database right after; stale commands are dropped on purpose.
        while not self._queue.empty():
            self._queue.get_nowait()

    async def _publish(self, client: aiomqtt.Client, item: PendingSnapshot | PendingCommand) -> None:
        if isinstance(item, PendingCommand):
            await client.publish(item.topic, item.payload, qos=1, retain=False)
            log.info("command published", extra={"topic": item.topic})
            return
        snapshot = item
        await client.publish(snapshot.topic, snapshot.payload, qos=1, retain=True)
        self.published += 1
        log.info("catalog published", extra={"location_id": str(snapshot.location_id), "version": snapshot.version})
        async with self._sessions() as session:
            await session.execute(
                sa.update(CatalogSnapshotRecord)
                .where(
                    CatalogSnapshotRecord.location_id == snapshot.location_id,
                    CatalogSnapshotRecord.version == snapshot.version,
                    CatalogSnapshotRecord.published_at.is_(None),
                )
                .values(published_at=utcnow())
            )
            await session.commit()
