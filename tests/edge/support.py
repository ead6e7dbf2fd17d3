"""An in-process register agent on a free port (uvicorn in a thread) and an HTTP client signed in to it."""

from __future__ import annotations

import json
import socket
import sqlite3
import threading
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from drivers.sim.atol import archived_documents
from edge.app import DEMO_DEVICE_TOKEN, create_app
from edge.settings import Settings, load_settings
from protocols.samples import DEMO_PINS
from tests.support.net import free_port

TOKEN = DEMO_DEVICE_TOKEN
CAPPUCCINO = "019a0000-0001-7000-8000-000000000042"
ESPRESSO = "019a0000-0001-7000-8000-000000000040"
CROISSANT = "019a0000-0001-7000-8000-000000000048"
WATER = "019a0000-0001-7000-8000-000000000051"
BEANS = "019a0000-0001-7000-8000-000000000053"
SIZE_L = "019a0000-0001-7000-8000-000000000022"
SIZE_M = "019a0000-0001-7000-8000-000000000021"
MILK_OAT = "019a0000-0001-7000-8000-000000000024"
MILK_ALMOND = "019a0000-0001-7000-8000-000000000025"
SYRUP_VANILLA = "019a0000-0001-7000-8000-000000000027"
SYRUP_CARAMEL = "019a0000-0001-7000-8000-000000000028"
SYRUP_HAZELNUT = "019a0000-0001-7000-8000-000000000029"
HEAT_WARM = "019a0000-0001-7000-8000-000000000031"


class EdgeServer:
    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.port = settings.app.port
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = create_app(settings)
        config = uvicorn.Config(
            self.app, host="127.0.0.1", port=self.port, log_config=None, access_log=False, lifespan="on", loop="asyncio"
        )
        self.server = uvicorn.Server(config)
        # Bound now, not by uvicorn after the lifespan: the demo emulators the lifespan starts bind ephemeral
        # ports, and one of them could otherwise take this one in between.
        self.socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as `yago edge run` does
        self.socket.bind(("127.0.0.1", self.port))
        self.thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [self.socket]}, name="edge-under-test", daemon=True
        )

    @property
    def runtime(self) -> Any:
        return self.app.state.runtime

    @property
    def db_path(self) -> Path:
        return self.settings.data_dir / "edge.db"

    def start(self) -> None:
        self.thread.start()
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.server.started:
                return
            if not self.thread.is_alive():
                raise RuntimeError("the agent did not start")
            time.sleep(0.02)
        raise TimeoutError("the agent did not start in time")

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=30)
        self.socket.close()

    def client(self, pin: str | None = DEMO_PINS["cashier"]) -> httpx.Client:
        client = httpx.Client(base_url=f"{self.url}/api/v1", headers={"X-Device-Token": TOKEN}, timeout=30)
        if pin is not None:
            r = client.post("/sessions", json={"pin": pin})
            assert r.status_code == 201, r.text
            client.headers["X-Session-Token"] = r.json()["data"]["token"]
        return client

    def query(self, sql: str, *params: object) -> list[tuple[Any, ...]]:
        with sqlite3.connect(f"file:{self.db_path}?mode=ro", uri=True) as conn:
            return list(conn.execute(sql, params).fetchall())

    def count(self, table: str) -> int:
        return int(self.query(f"SELECT COUNT(*) FROM {table}")[0][0])


def demo_settings(data_dir: Path, **app: object) -> Settings:
    overrides: dict[str, Mapping[str, object]] = {
        "app": {"demo": True, "data_dir": str(data_dir), "port": free_port(), **app}
    }
    return load_settings(None, environ={}, overrides=overrides)


@contextmanager
def running(data_dir: Path, **app: object) -> Iterator[EdgeServer]:
    server = EdgeServer(demo_settings(data_dir, **app))
    server.start()
    try:
        yield server
    finally:
        server.stop()


def line(product: str, quantity: str = "1", modifiers: list[str] | None = None, comment: str = "") -> dict[str, object]:
    return {"product_id": product, "quantity": quantity, "modifiers": modifiers or [], "comment": comment}


def new_order(client: httpx.Client, *lines: dict[str, object], **fields: object) -> dict[str, Any]:
    r = client.post("/orders", json={"items": list(lines), **fields})
    assert r.status_code == 201, r.text
    data: dict[str, Any] = r.json()["data"]
    return data


def ensure_shift(client: httpx.Client) -> None:
    if client.get("/shifts/current").json()["data"] is None:
        r = client.post("/shifts/open", json={"float": 100000})
        assert r.status_code == 201, r.text


def atol_admin(server: EdgeServer, path: str, body: dict[str, object] | None = None) -> dict[str, Any]:
    """The demo ATOL emulator's admin API (faults, clock, state)."""
    url = server.runtime.devices.emulators.atol.url
    r = httpx.post(f"{url}/admin/{path}", json=body) if body is not None else httpx.get(f"{url}/admin/{path}")
    r.raise_for_status()
    data: dict[str, Any] = r.json()
    return data


def fiscal_documents(data_dir: Path) -> list[dict[str, Any]]:
    """Every document in the emulated fiscal storage (its on-disk archive)."""
    return [json.loads(body) for body in archived_documents(data_dir / "sim" / "atol" / "state")]
