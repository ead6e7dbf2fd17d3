"""With the production ACL (a register may only use its own topics and read its location's catalog),
the register still publishes, gets acks, commands and the catalog."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.db.session import Database
from edge.sync import SyncService
from protocols.catalog import CatalogSnapshot, with_content_hash
from protocols.codec import encode
from protocols.commands import ReportX
from protocols.ids import utcnow, uuid7
from protocols.topics import Channel, catalog_topic, register_filter
from tests.edge.sync._hub import AckingHub, Ids
from tests.edge.sync.conftest import RecordingHandlers, add_events, eventually, sync_settings
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.integration


async def test_the_register_works_within_its_acl(
    make_mosquitto: Callable[..., MosquittoBroker], db: Database, ids: Ids
) -> None:
    register_user = f"reg-{ids.reg}"
    acl = "\n".join(
        [
            f"user {register_user}",
            f"topic readwrite {register_filter(str(ids.org), str(ids.loc), str(ids.reg))}",
            f"topic read {catalog_topic(str(ids.org), str(ids.loc))}",
            "user hub",
            "topic readwrite yago/#",
            "",
        ]
    )
    broker = make_mosquitto(users={register_user: "register-secret", "hub": "hub-secret"}, acl=acl)
    handlers = RecordingHandlers()
    settings = sync_settings(ids, broker.port, username=register_user, password="register-secret")
    await add_events(db, 25)
    catalog = with_content_hash(CatalogSnapshot(org_id=ids.org, location_id=ids.loc, version=7, generated_at=utcnow()))
    command = ReportX(command_id=uuid7(), register_id=ids.reg, issued_at=utcnow())
    async with AckingHub(ids, broker.port, username="hub", password="hub-secret") as hub:
        await hub.publish(catalog_topic(str(ids.org), str(ids.loc)), encode(catalog), retain=True)
        sync = SyncService(settings, db, handlers, "1.0", list)
        await sync.start()
        try:
            await eventually(lambda: sync.state().acked_seq == 25)
            await eventually(lambda: sync.state().catalog_version == 7)
            await hub.publish(ids.topic(Channel.CMD), encode(command))
            await eventually(lambda: len(hub.results) == 1)
            assert any(s.state == "online" for s in hub.statuses)
        finally:
            await sync.stop()
    assert hub.committed == list(range(1, 26))
    assert hub.results[0].status == "done"


async def test_wrong_credentials_keep_the_register_retrying_and_reporting_the_error(
    make_mosquitto: Callable[..., MosquittoBroker], db: Database, ids: Ids
) -> None:
    broker = make_mosquitto(users={"someone": "secret"}, acl="user someone\ntopic readwrite yago/#\n")
    settings = sync_settings(ids, broker.port, username="someone", password="wrong")
    sync = SyncService(settings, db, RecordingHandlers(), "1.0", list)
    await sync.start()
    try:
        await eventually(lambda: "broker" in sync.state().last_error)
        assert not sync.state().connected
    finally:
        await sync.stop()
