"""The agent with its hub link: sales reach a (stand-in) hub over a real Mosquitto and leave the outbox
only once acknowledged; a catalog published by the hub is applied; a hub command is answered."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import msgspec
import pytest

from protocols.catalog import with_content_hash
from protocols.codec import encode
from protocols.commands import ReportX
from protocols.ids import utcnow, uuid7
from protocols.samples import CROISSANT, DEMO_LOCATION_ID, DEMO_ORG_ID, demo_catalog
from protocols.topics import Channel, catalog_topic
from tests.edge.support import TOKEN, WATER, EdgeServer, demo_settings, line
from tests.edge.sync._hub import AckingHub, Ids
from tests.support.mosquitto import MosquittoBroker

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]


async def _until(check: object, timeout: float = 15.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        result = check() if callable(check) else check
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.05)


async def test_sales_reach_the_hub_and_hub_catalog_and_commands_apply(
    tmp_path: Path, mosquitto: MosquittoBroker
) -> None:
    ids = Ids(org=DEMO_ORG_ID, loc=DEMO_LOCATION_ID, reg=uuid7())
    settings = demo_settings(tmp_path / "edge")
    sync = msgspec.structs.replace(
        settings.sync,
        broker_host="127.0.0.1",
        broker_port=mosquitto.port,
        org_id=str(ids.org),
        location_id=str(ids.loc),
        register_id=str(ids.reg),
        heartbeat_seconds=1.0,
    )
    server = EdgeServer(msgspec.structs.replace(settings, sync=sync))
    await asyncio.to_thread(server.start)
    try:
        async with (
            AckingHub(ids, mosquitto.port) as hub,
            httpx.AsyncClient(base_url=f"{server.url}/api/v1", headers={"X-Device-Token": TOKEN}, timeout=30) as api,
        ):
            token = (await api.post("/sessions", json={"pin": "1111"})).json()["data"]["token"]
            api.headers["X-Session-Token"] = token
            await api.post("/shifts/open", json={"float": 0})
            order = (await api.post("/orders", json={"items": [line(WATER)]})).json()["data"]
            paid = (await api.post(f"/orders/{order['id']}/pay", json={"method": "cash"})).json()["data"]
            assert paid["order"]["status"] == "fiscalized"
            # the last seq written so far, whether it is still in the outbox or already acked and deleted
            last_seq = server.query(
                "SELECT COALESCE(MAX(seq), (SELECT CAST(value AS INTEGER) FROM sync_state WHERE key = 'acked_seq'))"
                " FROM outbox"
            )[0][0]
            assert last_seq
            await _until(lambda: hub.committed_seq >= last_seq)
            await _until(lambda: server.count("outbox") == 0)  # deleted only after the ack
            assert hub.committed == list(range(1, last_seq + 1))

            snapshot = with_content_hash(msgspec.structs.replace(demo_catalog(version=5), stop_list=[CROISSANT]))
            await hub.publish(catalog_topic(str(ids.org), str(ids.loc)), encode(snapshot), retain=True)

            async def catalog_version() -> bool:
                return bool((await api.get("/catalog")).json()["data"]["version"] == 5)

            await _until(catalog_version)
            stop_listed = await api.post("/orders", json={"items": [line(str(CROISSANT))]})
            assert stop_listed.json()["code"] == "stop_listed"

            command = ReportX(command_id=uuid7(), register_id=ids.reg, issued_at=utcnow())
            await hub.publish(ids.topic(Channel.CMD), encode(command))
            await _until(lambda: any(r.command_id == command.command_id for r in hub.results))
            result = next(r for r in hub.results if r.command_id == command.command_id)
            assert result.status == "done" and result.data["cash_sales"] == 9000
    finally:
        await asyncio.to_thread(server.stop)
