"""Commands are applied once per command_id and answered with the same result; catalogs once per version."""

from __future__ import annotations

from datetime import timedelta

import pytest

from edge.db.session import Database
from edge.sync import SyncService
from protocols.catalog import CatalogSnapshot, Product, with_content_hash
from protocols.codec import encode
from protocols.commands import DeviceTestPrint, ReportX
from protocols.ids import utcnow, uuid7
from protocols.topics import Channel, catalog_topic
from tests.edge.sync._hub import AckingHub, Ids
from tests.edge.sync.conftest import RecordingHandlers, eventually, sync_settings
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.integration


LATTE = uuid7()


def snapshot(ids: Ids, version: int, price: int = 25000) -> CatalogSnapshot:
    product = Product(id=LATTE, sku="LATTE", name="Латте", price=price)
    return with_content_hash(
        CatalogSnapshot(org_id=ids.org, location_id=ids.loc, version=version, generated_at=utcnow(), products=[product])
    )


async def test_a_redelivered_command_runs_once_and_gets_the_same_result(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    handlers = RecordingHandlers()
    sync = SyncService(sync_settings(ids, mosquitto.port), db, handlers, "1.0", list)
    command = ReportX(command_id=uuid7(), register_id=ids.reg, issued_at=utcnow())
    async with AckingHub(ids, mosquitto.port) as hub:
        await sync.start()
        try:
            await eventually(lambda: sync.state().connected)
            await hub.publish(ids.topic(Channel.CMD), encode(command))
            await hub.publish(ids.topic(Channel.CMD), encode(command))
            await eventually(lambda: len(hub.results) == 2)
        finally:
            await sync.stop()
    assert len(handlers.commands) == 1
    assert hub.results[0] == hub.results[1]
    assert hub.results[0].status == "done"


async def test_a_command_survives_a_restart_as_already_done(mosquitto: MosquittoBroker, db: Database, ids: Ids) -> None:
    command = DeviceTestPrint(command_id=uuid7(), register_id=ids.reg, issued_at=utcnow())
    first, second = RecordingHandlers(), RecordingHandlers()
    async with AckingHub(ids, mosquitto.port) as hub:
        for handlers in (first, second):
            sync = SyncService(sync_settings(ids, mosquitto.port), db, handlers, "1.0", list)
            await sync.start()
            try:
                await eventually(lambda s=sync: s.state().connected)  # type: ignore[misc]
                wanted = len(hub.results) + 1
                await hub.publish(ids.topic(Channel.CMD), encode(command))
                await eventually(lambda w=wanted: len(hub.results) == w)  # type: ignore[misc]
            finally:
                await sync.stop()
    assert len(first.commands) == 1
    assert second.commands == []
    assert hub.results[0] == hub.results[1]


async def test_an_expired_command_is_answered_expired_without_running(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    handlers = RecordingHandlers()
    sync = SyncService(sync_settings(ids, mosquitto.port), db, handlers, "1.0", list)
    past = utcnow() - timedelta(minutes=5)
    command = ReportX(command_id=uuid7(), register_id=ids.reg, issued_at=past, expires_at=past + timedelta(minutes=1))
    async with AckingHub(ids, mosquitto.port) as hub:
        await sync.start()
        try:
            await eventually(lambda: sync.state().connected)
            await hub.publish(ids.topic(Channel.CMD), encode(command))
            await eventually(lambda: len(hub.results) == 1)
        finally:
            await sync.stop()
    assert hub.results[0].status == "expired"
    assert handlers.commands == []


async def test_a_malformed_command_is_rejected_by_id(mosquitto: MosquittoBroker, db: Database, ids: Ids) -> None:
    handlers = RecordingHandlers()
    sync = SyncService(sync_settings(ids, mosquitto.port), db, handlers, "1.0", list)
    command_id = uuid7()
    payload = f'{{"type": "no.such.command", "command_id": "{command_id}", "register_id": "{ids.reg}"}}'.encode()
    async with AckingHub(ids, mosquitto.port) as hub:
        await sync.start()
        try:
            await eventually(lambda: sync.state().connected)
            await hub.publish(ids.topic(Channel.CMD), payload)
            await eventually(lambda: len(hub.results) == 1)
        finally:
            await sync.stop()
    assert hub.results[0].command_id == command_id
    assert hub.results[0].status == "rejected"


async def test_the_catalog_is_applied_once_per_version(mosquitto: MosquittoBroker, db: Database, ids: Ids) -> None:
    handlers = RecordingHandlers()
    topic = catalog_topic(str(ids.org), str(ids.loc))
    async with AckingHub(ids, mosquitto.port) as hub:
        await hub.publish(topic, encode(snapshot(ids, 1)), retain=True)
        for _ in range(2):  # the retained snapshot comes again on every (re)connect
            sync = SyncService(sync_settings(ids, mosquitto.port), db, handlers, "1.0", list)
            await sync.start()
            try:
                await eventually(lambda s=sync: s.state().catalog_version == 1)  # type: ignore[misc]
                await hub.publish(topic, encode(snapshot(ids, 1)), retain=True)  # a republish of the same version
            finally:
                await sync.stop()
        sync = SyncService(sync_settings(ids, mosquitto.port), db, handlers, "1.0", list)
        await sync.start()
        try:
            await hub.publish(topic, encode(snapshot(ids, 2, price=27000)), retain=True)
            await eventually(lambda: sync.state().catalog_version == 2)
        finally:
            await sync.stop()
    assert [c.version for c in handlers.catalogs] == [1, 2]


async def test_a_catalog_with_a_wrong_hash_is_rejected_and_the_last_good_one_stays(
    mosquitto: MosquittoBroker, db: Database, ids: Ids
) -> None:
    import msgspec

    handlers = RecordingHandlers()
    topic = catalog_topic(str(ids.org), str(ids.loc))
    tampered = msgspec.structs.replace(snapshot(ids, 2), content_hash="0" * 64)
    async with AckingHub(ids, mosquitto.port) as hub:
        sync = SyncService(sync_settings(ids, mosquitto.port), db, handlers, "1.0", list)
        await sync.start()
        try:
            await hub.publish(topic, encode(snapshot(ids, 1)), retain=True)
            await eventually(lambda: sync.state().catalog_version == 1)
            await hub.publish(topic, encode(tampered), retain=True)
            await eventually(lambda: "rejected" in sync.state().last_error)
        finally:
            await sync.stop()
    assert [c.version for c in handlers.catalogs] == [1]
    assert sync.state().catalog_version == 1
