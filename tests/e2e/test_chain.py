"""The whole chain as separate processes: a Mosquitto whose accounts and ACL the hub keeps, the hub API and an
ingest worker on PostgreSQL, and two `yago edge run` registers. Sales made while the broker is down reach the
hub exactly once each after it comes back."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from protocols.samples import DEMO_PINS
from tests.edge.support import CAPPUCCINO, CROISSANT, TOKEN, ensure_shift, line, new_order
from tests.support.net import free_port, wait_for_port
from tests.support.postgres import sqlalchemy_url
from yago_cli.broker import mosquitto_path
from yago_cli.demo import seed, write_edge_config, write_hub_config, write_mosquitto_conf

pytestmark = pytest.mark.integration

YAGO = [sys.executable, "-m", "yago_cli"]


@dataclass
class Chain:
    root: Path
    broker_port: int = field(default_factory=free_port)
    hub_port: int = field(default_factory=free_port)
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    edges: list[str] = field(default_factory=list)

    def spawn(self, name: str, args: list[str]) -> None:
        log = (self.root / f"{name}.log").open("ab")
        self.procs[name] = subprocess.Popen(args, stdout=log, stderr=subprocess.STDOUT, env=dict(os.environ))

    def stop(self, name: str) -> None:
        proc = self.procs.pop(name)
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()

    def start_broker(self) -> None:
        conf = self.root / "broker" / "mosquitto.conf"
        self.spawn("mosquitto", [mosquitto_path() or "mosquitto", "-c", str(conf)])
        wait_for_port(self.broker_port)

    def log(self, name: str) -> str:
        path = self.root / f"{name}.log"
        return path.read_text(errors="replace")[-3000:] if path.exists() else ""


def wait_until(what: str, check: Callable[[], bool], timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    raise AssertionError(f"timed out waiting for {what}")


def wait_http(url: str, proc: subprocess.Popen[bytes], timeout: float = 90.0) -> None:
    def up() -> bool:
        assert proc.poll() is None, f"{url}: the process exited"
        try:
            return httpx.get(url, timeout=1.0).status_code == 200
        except httpx.HTTPError:
            return False

    wait_until(url, up, timeout)


@pytest.fixture
def chain(tmp_path: Path, fresh_pg_dsn: str) -> Iterator[Chain]:
    c = Chain(tmp_path)
    hub_config = write_hub_config(
        tmp_path,
        hub_port=c.hub_port,
        broker_port=c.broker_port,
        use_mosquitto=True,
        hub_password="hub-secret",
        db_url=sqlalchemy_url(fresh_pg_dsn),
    )
    registers = seed(hub_config)
    assert len(registers) == 2
    write_mosquitto_conf(tmp_path / "broker", c.broker_port, tmp_path / "mosquitto-broker.log")
    try:
        c.start_broker()
        c.spawn("hub", [*YAGO, "hub", "run", "--config", str(hub_config)])
        c.spawn("ingest", [*YAGO, "hub", "ingest", "--config", str(hub_config)])
        wait_http(f"http://127.0.0.1:{c.hub_port}/healthz", c.procs["hub"])
        for index, (register_id, username, password) in enumerate(registers, start=1):
            port = free_port()
            config = write_edge_config(
                tmp_path / f"register-{index}",
                port=port,
                register_name=str(index),
                broker_port=c.broker_port,
                register_id=register_id,
                username=username,
                password=password,
                hub_url=f"http://127.0.0.1:{c.hub_port}",
            )
            name = f"register-{index}"
            c.spawn(name, [*YAGO, "edge", "run", "--demo", "--config", str(config), "--host", "127.0.0.1"])
            c.edges.append(f"http://127.0.0.1:{port}")
            wait_http(f"http://127.0.0.1:{port}/readyz", c.procs[name])
        yield c
    finally:
        for name in list(c.procs)[::-1]:
            c.stop(name)


def cashier(base: str) -> httpx.Client:
    client = httpx.Client(base_url=f"{base}/api/v1", headers={"X-Device-Token": TOKEN}, timeout=60)
    token = client.post("/sessions", json={"pin": DEMO_PINS["cashier"]}).json()["data"]["token"]
    client.headers["X-Session-Token"] = token
    return client


def sell(client: httpx.Client) -> str:
    order = new_order(client, line(CAPPUCCINO), line(CROISSANT))
    r = client.post(f"/orders/{order['id']}/pay", json={"method": "cash", "tendered": order["total"]})
    assert r.status_code in (200, 201), r.text
    assert r.json()["data"]["order"]["status"] == "fiscalized"
    return str(order["id"])


def hub_client(chain: Chain) -> httpx.Client:
    client = httpx.Client(base_url=f"http://127.0.0.1:{chain.hub_port}/api/v1", timeout=30)
    r = client.post("/auth/login", json={"email": "owner@demo.yago", "password": "demo-owner-password"})
    assert r.status_code == 200, r.text
    client.headers["Authorization"] = f"Bearer {r.json()['access_token']}"
    return client


def hub_orders(hub: httpx.Client) -> list[dict[str, Any]]:
    r = hub.get("/orders", params={"limit": 500})
    assert r.status_code == 200, r.text
    orders: list[dict[str, Any]] = r.json()["data"]
    return orders


def status(client: httpx.Client) -> dict[str, Any]:
    data: dict[str, Any] = client.get("/status").json()["data"]
    return data


def test_sales_made_while_the_broker_is_down_arrive_once_each(chain: Chain) -> None:
    registers = [cashier(base) for base in chain.edges]
    hub = hub_client(chain)
    sold: list[str] = []
    try:
        for client in registers:
            ensure_shift(client)
            wait_until("the register to reach the broker", lambda c=client: status(c)["hub"]["connected"])
        for client in registers:
            sold += [sell(client) for _ in range(3)]
        wait_until("the first sales at the hub", lambda: len(hub_orders(hub)) == len(sold))

        chain.stop("mosquitto")
        for client in registers:
            wait_until("the register to notice", lambda c=client: not status(c)["hub"]["connected"])
            sold += [sell(client) for _ in range(5)]
            assert status(client)["backlog"]["count"] > 0  # kept until the hub acknowledges

        chain.start_broker()
        for client in registers:
            wait_until("the backlog to drain", lambda c=client: status(c)["backlog"]["count"] == 0, timeout=90)
        orders = hub_orders(hub)
        ids = [o["id"] for o in orders]
        assert sorted(ids) == sorted(sold)  # every sale once, none doubled
        assert len(set(ids)) == len(ids) == 16
        for order_id in sold:
            detail = hub.get(f"/orders/{order_id}").json()
            assert detail["status"] == "fiscalized", detail
            assert len(detail["fiscal"]) == 1
            assert sum(p["amount"] for p in detail["payments"]) == detail["total"]
        fleet = hub.get("/fleet/registers").json()["data"]
        assert {r["state"] for r in fleet} == {"online"}
    except AssertionError:
        for name in ("hub", "ingest", "register-1", "register-2"):
            print(f"--- {name}\n{chain.log(name)}")
        raise
    finally:
        for client in registers:
            client.close()
        hub.close()
