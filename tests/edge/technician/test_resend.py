"""Resend from a sequence number against an enrolled agent on a real broker."""

from __future__ import annotations

from pathlib import Path

import pytest

from protocols.samples import DEMO_PINS
from tests.edge.technician._hub_link import enrolled_agent
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.integration


def test_resend_publishes_the_outbox_again(tmp_path: Path, mosquitto: MosquittoBroker) -> None:
    with enrolled_agent(tmp_path / "edge", mosquitto) as (server, watcher):
        tech = server.client(DEMO_PINS["technician"])
        view = tech.get("/tech/sync").json()["data"]
        assert view["enrolled"] is True and view["connected"] is True
        assert view["broker"] == f"{mosquitto.host}:{mosquitto.port}"
        assert view["acked_seq"] == 0 and view["backlog"] >= 1
        last = server.query("SELECT MAX(seq) FROM outbox")[0][0]

        r = tech.post("/tech/sync/resend", json={"from_seq": 1})
        assert r.status_code == 200, r.text
        assert r.json()["data"] == {"from_seq": 1, "queued": last}
        assert watcher.wait_for(2).count(1) == 2

        r = tech.post("/tech/sync/resend", json={"from_seq": last + 5})
        assert r.status_code == 422 and r.json()["code"] == "nothing_to_resend"
        assert server.query("SELECT detail FROM audit_log WHERE action = 'tech.sync.resend'") == [
            (f"from seq 1, {last} events",)
        ]
        tech.close()
