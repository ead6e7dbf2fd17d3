"""Cashier sessions by PIN, the lockout after five wrong PINs, cookies for browsers, roles."""

from __future__ import annotations

import httpx
import pytest

from tests.edge.support import TOKEN, EdgeServer

pytestmark = pytest.mark.integration


def test_pin_opens_a_session_for_its_owner(edge: EdgeServer) -> None:
    client = httpx.Client(base_url=f"{edge.url}/api/v1", headers={"X-Device-Token": TOKEN})
    r = client.post("/sessions", json={"pin": "2222"})
    assert r.status_code == 201
    assert r.json()["data"]["staff"]["role"] == "manager"
    assert "yago_session" in r.cookies
    # a browser sends the cookie only
    me = client.get("/sessions/current")
    assert me.status_code == 200 and me.json()["data"]["name"] == "Борис Менеджеров"
    assert client.delete("/sessions/current").status_code == 204
    assert client.get("/sessions/current").json()["code"] == "session_expired"
    client.close()


def test_wrong_pins_lock_entry_for_five_minutes(fresh_edge: EdgeServer) -> None:
    client = fresh_edge.client(pin=None)
    for _ in range(4):
        r = client.post("/sessions", json={"pin": "0000"})
        assert r.status_code == 401 and r.json()["code"] == "wrong_pin"
    r = client.post("/sessions", json={"pin": "0000"})
    assert r.status_code == 429 and r.json()["code"] == "pin_locked"
    assert 290 <= int(r.headers["Retry-After"]) <= 301
    # even the right PIN waits out the lockout
    r = client.post("/sessions", json={"pin": "1111"})
    assert r.status_code == 429
    assert fresh_edge.count("sessions") == 0
    client.close()


def test_right_pin_resets_the_failure_count(fresh_edge: EdgeServer) -> None:
    client = fresh_edge.client(pin=None)
    for _ in range(4):
        client.post("/sessions", json={"pin": "9999"})
    assert client.post("/sessions", json={"pin": "1111"}).status_code == 201
    assert client.post("/sessions", json={"pin": "9999"}).status_code == 401
    client.close()


def test_technician_endpoints_need_the_technician(edge: EdgeServer, cashier: httpx.Client) -> None:
    assert cashier.get("/devices/journal").status_code == 403
    tech = edge.client("4444")
    r = tech.get("/devices/journal", params={"state": "open"})
    assert r.status_code == 200 and r.json()["data"] == []
    tech.close()
