"""The outbox publisher against a real Mosquitto and an acking hub stand-in."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from edge.db.models import outbox
from edge.db.session import Database
from edge.sync import SyncService
from tests.edge.sync._hub import AckingHub, Ids
from tests.edge.sync.conftest import RecordingHandlers, add_events, eventually, sync_settings
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.integration


async def outbox_count(db: Database) -> int:
    async with db.engine.connect() as conn:
        return int((await conn.execute(select(func.count()).select_from(outbox))).scalar_one())


def service(ids: Ids, port: int, db: Database, **overrides: object) -> SyncService:
    return SyncService(sync_settings(ids, port, **overrides), db, RecordingHandlers(), "1.0-test", list)


async def test_every_event_is_committed_once_in_sequence(mosquitto: MosquittoBroker, db: Database, ids: Ids) -> None:
    await add_events(db, 450)
    async with AckingHub(ids, mosquitto.port) as hub:
        # a resend after a slow ack is duplicates by design; here the ack must arrive first
        sync = service(ids, mosquitto.port, db, resend_after_seconds=30.0)
        await sync.start()
        try:
            await eventually(lambda: hub.committed_seq == 450)
            await eventually(lambda: sync.state().acked_seq == 450)
        finally:
            await sync.stop()
    assert hub.committed == list(range(1, 451))
    assert hub.duplicates == 0
    assert await outbox_count(db) == 0


async def test_nothing_is_deleted_before_an_ack_covers_it(mosquitto: MosquittoBroker, db: Database, ids: Ids) -> None:
    await add_events(db, 30)
    async with AckingHub(ids, mosquitto.port, ack=False) as hub:
        sync = service(ids, mosquitto.port, db, resend_after_seconds=30.0)
        await sync.start()
        try:
            await eventually(lambda: hub.committed_seq == 30)
            assert await outbox_count(db) == 30
            assert sync.state().backlog == 30
            hub.ack = True
            await add_events(db, 1)
            sync.notify()
            await eventually(lambda: sync.state().acked_seq == 31)
            assert await outbox_count(db) == 0
        finally:
            await sync.stop()


async def test_gap_report_makes_the_register_resend_from_the_gap(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    await add_events(db, 50)
    async with AckingHub(ids, mosquitto.port, drop_batches={1}) as hub:
        # batches of 10 with a large resend timeout: only the gap report can bring seq 1..10 back
        sync = service(ids, mosquitto.port, db, batch_max=10, resend_after_seconds=30.0)
        await sync.start()
        try:
            await eventually(lambda: hub.committed_seq == 50)
        finally:
            await sync.stop()
    assert hub.committed == list(range(1, 51))
    assert hub.received_batches > 5


async def test_unacknowledged_events_are_resent_after_the_timeout(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    await add_events(db, 5)
    async with AckingHub(ids, mosquitto.port, drop_batches={1}) as hub:
        sync = service(ids, mosquitto.port, db, resend_after_seconds=0.3)
        await sync.start()
        try:
            await eventually(lambda: hub.committed_seq == 5)
        finally:
            await sync.stop()
    assert hub.committed == [1, 2, 3, 4, 5]
    assert hub.received_batches >= 2


async def test_events_made_while_the_broker_is_down_arrive_in_order_when_it_returns(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    sync = service(ids, mosquitto.port, db)
    await sync.start()
    try:
        await eventually(lambda: sync.state().connected)
        mosquitto.stop()
        await eventually(lambda: not sync.state().connected)
        await add_events(db, 200)
        sync.notify()
        await eventually(lambda: sync.state().backlog == 200)
        mosquitto.start()
        async with AckingHub(ids, mosquitto.port) as hub:
            await eventually(lambda: hub.committed_seq == 200, timeout=30)
            await eventually(lambda: sync.state().backlog == 0)
    finally:
        await sync.stop()
    assert hub.committed == list(range(1, 201))
    assert await outbox_count(db) == 0
