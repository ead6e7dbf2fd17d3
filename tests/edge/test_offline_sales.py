"""Selling with no network: 200 orders while the broker is down stay in the outbox, then reach a hub that
acknowledges, every event once and in sequence order, and leave the outbox only after the ack."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
import msgspec
import pytest

from protocols.ids import uuid7
from protocols.samples import DEMO_LOCATION_ID, DEMO_ORG_ID
from tests.edge.support import TOKEN, WATER, EdgeServer, demo_settings, line
from tests.edge.sync._hub import AckingHub, Ids
from tests.support.mosquitto import MosquittoBroker

pytestmark = [pytest.mark.integration, pytest.mark.timeout(240)]

ORDERS = 200


async def _until(check: object, timeout: float = 60.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (check() if callable(check) else check):
        assert asyncio.get_running_loop().time() < deadline, "condition not reached in time"
        await asyncio.sleep(0.1)


async def test_two_hundred_offline_sales_arrive_once_in_order(tmp_path: Path, mosquitto: MosquittoBroker) -> None:
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
        reconnect_max_seconds=1.0,
    )
    server = EdgeServer(msgspec.structs.replace(settings, sync=sync))
    mosquitto.stop()  # the network is gone before the first sale
    await asyncio.to_thread(server.start)
    try:
        async with httpx.AsyncClient(
            base_url=f"{server.url}/api/v1", headers={"X-Device-Token": TOKEN}, timeout=60
        ) as api:
            api.headers["X-Session-Token"] = (await api.post("/sessions", json={"pin": "1111"})).json()["data"]["token"]
            await api.post("/shifts/open", json={"float": 0})
            sold = []
            for _ in range(ORDERS):
                order = (await api.post("/orders", json={"items": [line(WATER)]})).json()["data"]
                paid = (await api.post(f"/orders/{order['id']}/pay", json={"method": "cash"})).json()["data"]
                assert paid["order"]["status"] == "fiscalized"
                sold.append(order["id"])
            status = (await api.get("/status")).json()["data"]
            assert status["hub"]["connected"] is False
            last_seq = server.query("SELECT MAX(seq) FROM outbox")[0][0]
            # nothing left the outbox without an ack: every event from the first is still there
            assert server.count("outbox") == last_seq
            assert server.query("SELECT COUNT(*) FROM outbox WHERE type = 'order.fiscalized'") == [(ORDERS,)]

            mosquitto.start()
            async with AckingHub(ids, mosquitto.port) as hub:
                await _until(lambda: hub.committed_seq >= last_seq)
                await _until(lambda: server.count("outbox") == 0)
                assert hub.committed == list(range(1, last_seq + 1))  # each event once, in sequence order
                assert hub.duplicates == 0
            fiscalized = {
                o["id"]
                for o in (await api.get("/orders", params={"status": "fiscalized", "limit": 500})).json()["data"]
            }
            assert fiscalized == set(sold)
    finally:
        await asyncio.to_thread(server.stop)
