"""Retained status: birth on connect, heartbeat with backlog and device health, last will when the link dies."""

from __future__ import annotations

import socket

import pytest

from edge.db.session import Database
from edge.sync import SyncService
from protocols.events import DeviceHealth
from tests.edge.sync._hub import AckingHub, Ids
from tests.edge.sync.conftest import RecordingHandlers, add_events, eventually, sync_settings
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.integration


def printer_out_of_paper() -> list[DeviceHealth]:
    return [DeviceHealth(device_id="printer-1", kind="printer", online=True, problems=["paper_out"])]


async def test_status_is_retained_online_with_backlog_and_device_health(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    await add_events(db, 3)
    settings = sync_settings(ids, mosquitto.port, heartbeat_seconds=0.2)
    sync = SyncService(settings, db, RecordingHandlers(), "1.2.3", printer_out_of_paper)
    async with AckingHub(ids, mosquitto.port, ack=False):
        await sync.start()
        try:
            await eventually(lambda: sync.state().connected)
            # a subscriber arriving later still sees the presence: it is retained
            async with AckingHub(ids, mosquitto.port, ack=False) as late:
                await eventually(lambda: any(s.outbox_backlog == 3 for s in late.statuses))
            status = late.statuses[-1]
            assert status.state == "online"
            assert status.version == "1.2.3"
            assert status.devices[0].problems == ["paper_out"]
        finally:
            await sync.stop()


async def test_a_health_change_is_published_before_the_next_heartbeat(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    health: list[DeviceHealth] = []
    sync = SyncService(
        sync_settings(ids, mosquitto.port, heartbeat_seconds=3600), db, RecordingHandlers(), "1.0", lambda: health
    )
    async with AckingHub(ids, mosquitto.port) as hub:
        await sync.start()
        try:
            await eventually(lambda: any(s.state == "online" for s in hub.statuses))
            health.extend(printer_out_of_paper())
            sync.notify_health()
            await eventually(lambda: any(s.devices and s.devices[0].problems == ["paper_out"] for s in hub.statuses))
        finally:
            await sync.stop()


async def test_last_will_marks_the_register_offline_when_its_connection_dies(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    sync = SyncService(sync_settings(ids, mosquitto.port), db, RecordingHandlers(), "1.0", list)
    async with AckingHub(ids, mosquitto.port) as hub:
        await sync.start()
        try:
            await eventually(lambda: any(s.state == "online" for s in hub.statuses))
            client = sync._client
            assert client is not None
            # cut the TCP link under the client, as a pulled cable or kill -9 would: no DISCONNECT is sent
            sock = client._client.socket()
            assert isinstance(sock, socket.socket)
            sock.shutdown(socket.SHUT_RDWR)
            await eventually(lambda: any(s.state == "offline" for s in hub.statuses))
            # and it comes back by itself
            offline_at = max(i for i, s in enumerate(hub.statuses) if s.state == "offline")
            await eventually(lambda: any(s.state == "online" for s in hub.statuses[offline_at + 1 :]))
        finally:
            await sync.stop()


async def test_a_clean_stop_leaves_a_retained_offline_status(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    sync = SyncService(sync_settings(ids, mosquitto.port), db, RecordingHandlers(), "1.0", list)
    await sync.start()
    await eventually(lambda: sync.state().connected)
    await sync.stop()
    async with AckingHub(ids, mosquitto.port) as hub:
        await eventually(lambda: bool(hub.statuses))
    assert hub.statuses[-1].state == "offline"


async def test_an_unenrolled_register_runs_standalone(db: Database) -> None:
    from edge.sync.config import SyncSettings

    await add_events(db, 2)
    sync = SyncService(SyncSettings(), db, RecordingHandlers(), "1.0", list)
    await sync.start()
    try:
        state = sync.state()
        assert not state.enrolled
        assert not state.connected
        assert state.backlog == 2
    finally:
        await sync.stop()
