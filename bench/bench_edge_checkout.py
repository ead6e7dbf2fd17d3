"""Checkout cost of the register agent: create → lines → pay cash → fiscalized, over real HTTP, with the
emulated fiscal registrar and printer at zero delay. Splits each checkout into time inside device calls and
the agent's own overhead, sets that against as many bare SQLite commits (WAL, synchronous=FULL) as a
checkout makes, measured in the same run, and reports sustained orders per second."""

from __future__ import annotations

import logging
import re
import socket
import sqlite3
import statistics
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from sqlalchemy import event
from sqlalchemy.engine import Engine

from edge.app import DEMO_DEVICE_TOKEN, create_app
from edge.plugins import configure_logging
from edge.settings import load_settings

WATER = "019a0000-0001-7000-8000-000000000051"
CAPPUCCINO = "019a0000-0001-7000-8000-000000000042"
ITEMS = [{"product_id": CAPPUCCINO, "quantity": "1"}, {"product_id": WATER, "quantity": "2"}]
WARMUP = 10
ORDERS = 200
BUDGET_SECONDS = 25.0  # the sequential run stops early on a slow machine
CONCURRENT_CLIENTS = 4
CONCURRENT_SECONDS = 6.0
LOOP = "asyncio"  # as `yago edge run` serves it
TARGET_P99_MS = 25.0
TARGET_ORDERS_PER_SECOND = 300.0
_STEP_SUM = re.compile(r'yago_edge_saga_step_seconds_sum\{step="\w+"\} ([\d.e+-]+)')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _bare_commits(path: Path, count: int) -> list[float]:
    """``count`` single-row write transactions on a fresh WAL database, each timed on its own."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=FULL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
    times = []
    for i in range(count):
        started = time.perf_counter()
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("INSERT INTO t (id, payload) VALUES (?, ?)", (i, b"x" * 600))
        conn.execute("COMMIT")
        times.append(time.perf_counter() - started)
    conn.close()
    return times


def _device_seconds(base: str) -> float:
    """Seconds the saga has spent inside device calls so far (the agent's own step histogram)."""
    return sum(float(m.group(1)) for m in _STEP_SUM.finditer(httpx.get(f"{base}/metrics").text))


def _cashier(base: str) -> httpx.Client:
    client = httpx.Client(base_url=f"{base}/api/v1", headers={"X-Device-Token": DEMO_DEVICE_TOKEN}, timeout=30)
    client.headers["X-Session-Token"] = client.post("/sessions", json={"pin": "1111"}).json()["data"]["token"]
    return client


def _checkout(client: httpx.Client) -> None:
    order = client.post("/orders", json={}).json()["data"]
    client.put(f"/orders/{order['id']}/items", json={"items": ITEMS}).raise_for_status()
    paid = client.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]
    if paid["order"]["status"] != "fiscalized":
        raise RuntimeError(f"checkout ended {paid['order']['status']}: {paid}")


class _Commits:
    """Counts write transactions (BEGIN IMMEDIATE … COMMIT, each a durable commit) of every engine in this
    process (the agent runs in-process); read-only snapshots commit without writing and are not counted."""

    def __init__(self) -> None:
        self.count = 0

    def __enter__(self) -> _Commits:
        event.listen(Engine, "before_cursor_execute", self._on_statement)
        return self

    def __exit__(self, *exc: object) -> None:
        event.remove(Engine, "before_cursor_execute", self._on_statement)

    def _on_statement(self, _conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.startswith("BEGIN IMMEDIATE"):
            self.count += 1


def _sequential(base: str, commits: _Commits) -> tuple[list[float], list[float], list[int], float]:
    """One cashier, one checkout after another: total and device seconds and commits per checkout."""
    client = _cashier(base)
    for _ in range(WARMUP):
        _checkout(client)
    totals: list[float] = []
    devices: list[float] = []
    counts: list[int] = []
    busy = 0.0
    run_started = time.perf_counter()
    for _ in range(ORDERS):
        device_before, commits_before = _device_seconds(base), commits.count
        started = time.perf_counter()
        _checkout(client)
        elapsed = time.perf_counter() - started
        busy += elapsed
        totals.append(elapsed)
        devices.append(_device_seconds(base) - device_before)
        counts.append(commits.count - commits_before)
        if time.perf_counter() - run_started > BUDGET_SECONDS:
            break
    client.close()
    return totals, devices, counts, len(totals) / busy


def _concurrent(base: str) -> tuple[int, float]:
    """``CONCURRENT_CLIENTS`` cashiers checking out as fast as they can for ``CONCURRENT_SECONDS``."""
    clients = [_cashier(base) for _ in range(CONCURRENT_CLIENTS)]
    done = [0] * len(clients)
    errors: list[BaseException] = []
    deadline = time.perf_counter() + CONCURRENT_SECONDS

    def run(i: int) -> None:
        try:
            while time.perf_counter() < deadline:
                _checkout(clients[i])
                done[i] += 1
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    for client in clients:
        client.close()
    if errors:
        raise errors[0]
    return sum(done), sum(done) / elapsed


def _serve(settings: Any, body: Callable[[str], None]) -> None:
    app = create_app(settings)
    config = uvicorn.Config(app, host="127.0.0.1", port=settings.app.port, log_config=None, access_log=False, loop=LOOP)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.02)
    try:
        body(f"http://127.0.0.1:{settings.app.port}")
    finally:
        server.should_exit = True
        thread.join(timeout=30)


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    configure_logging(json_logs=False, level=logging.WARNING)
    results: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="yago-bench-edge-") as tmp:
        root = Path(tmp)
        settings = load_settings(
            None, environ={}, overrides={"app": {"demo": True, "data_dir": str(root / "edge"), "port": _free_port()}}
        )

        def body(base: str) -> None:
            client = _cashier(base)
            client.post("/shifts/open", json={"float": 0}).raise_for_status()
            client.close()
            with _Commits() as commits:
                results["sequential"] = _sequential(base, commits)
            results["concurrent"] = _concurrent(base)

        _serve(settings, body)
        totals, devices, counts, sequential_rate = results["sequential"]
        per_checkout = round(statistics.median(counts))
        bare = _bare_commits(root / "bare.db", len(totals) * per_checkout)
    concurrent_orders, concurrent_rate = results["concurrent"]
    overhead = [t - d for t, d in zip(totals, devices, strict=True)]
    # the floor for software that commits ``per_checkout`` times: that many bare commits back to back
    floors = [sum(bare[i * per_checkout : (i + 1) * per_checkout]) for i in range(len(totals))]
    o50, o99 = statistics.median(overhead), _percentile(overhead, 0.99)
    f50, f99 = statistics.median(floors), _percentile(floors, 0.99)
    c50, c99 = statistics.median(bare), _percentile(bare, 0.99)
    print(f"checkouts: {len(totals)} after {WARMUP} warm-up (create → 2 lines → pay cash → fiscal receipt, ")
    print("  kitchen ticket, drawer), one cashier over loopback HTTP, emulators in-process at zero delay")
    print(f"  total checkout       p50 {_ms(statistics.median(totals))}   p99 {_ms(_percentile(totals, 0.99))}")
    print(f"  inside device calls  p50 {_ms(statistics.median(devices))}   p99 {_ms(_percentile(devices, 0.99))}")
    print(f"  software overhead    p50 {_ms(o50)}   p99 {_ms(o99)}   (total minus device time, per checkout)")
    print(f"  bare SQLite commit   p50 {_ms(c50)}   p99 {_ms(c99)}   (WAL, synchronous=FULL, same run)")
    print(f"  a checkout makes {per_checkout} durable commits; {per_checkout} bare commits back to back:")
    print(f"                       p50 {_ms(f50)}   p99 {_ms(f99)}")
    print(f"  ratio overhead / {per_checkout} bare commits   p50 {o50 / f50:6.1f}×   p99 {o99 / f99:6.1f}×")
    print(f"  sustained, one cashier (sequential, HTTP client included): {sequential_rate:7.1f} orders/s")
    print(
        f"  sustained, {CONCURRENT_CLIENTS} cashiers at once for {CONCURRENT_SECONDS:.0f} s: "
        f"{concurrent_rate:7.1f} orders/s ({concurrent_orders} orders)"
    )
    print(
        f"  target software overhead p99 ≤ {TARGET_P99_MS:.0f} ms: {_verdict(o99 * 1000 <= TARGET_P99_MS)}; "
        f"target ≥ {TARGET_ORDERS_PER_SECOND:.0f} orders/s: "
        f"{_verdict(max(sequential_rate, concurrent_rate) >= TARGET_ORDERS_PER_SECOND)}"
    )


if __name__ == "__main__":
    main()
