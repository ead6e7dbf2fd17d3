"""Checkout overhead of the register agent: create → lines → pay cash → fiscalized, over real HTTP, with
the emulated fiscal registrar and printer at zero delay; against the same number of bare SQLite commits
(WAL, synchronous=FULL) measured in the same run, and sustained orders per second."""

from __future__ import annotations

import logging
import re
import sqlite3
import statistics
import tempfile
import threading
import time
from pathlib import Path

import httpx
import uvicorn

from edge.app import DEMO_DEVICE_TOKEN, create_app
from edge.plugins import configure_logging
from edge.settings import load_settings

WATER = "019a0000-0001-7000-8000-000000000051"
CAPPUCCINO = "019a0000-0001-7000-8000-000000000042"
ORDERS = 150
BUDGET_SECONDS = 35.0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _bare_commits(path: Path, count: int) -> list[float]:
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
    """Seconds the saga spent waiting on devices so far (the agent's own step histogram)."""
    text = httpx.get(f"{base}/metrics").text
    return sum(
        float(m.group(1)) for m in re.finditer(r'yago_edge_saga_step_seconds_sum\{step="\w+"\} ([\d.e+-]+)', text)
    )


def _checkouts(base: str, budget: float) -> tuple[list[float], float]:
    client = httpx.Client(base_url=f"{base}/api/v1", headers={"X-Device-Token": DEMO_DEVICE_TOKEN}, timeout=30)
    token = client.post("/sessions", json={"pin": "1111"}).json()["data"]["token"]
    client.headers["X-Session-Token"] = token
    client.post("/shifts/open", json={"float": 0}).raise_for_status()
    items = [{"product_id": CAPPUCCINO, "quantity": "1"}, {"product_id": WATER, "quantity": "2"}]
    times: list[float] = []
    run_started = time.perf_counter()
    for _ in range(ORDERS):
        started = time.perf_counter()
        order = client.post("/orders", json={}).json()["data"]
        client.put(f"/orders/{order['id']}/items", json={"items": items}).raise_for_status()
        paid = client.post(f"/orders/{order['id']}/pay", json={"method": "cash"}).json()["data"]
        assert paid["order"]["status"] == "fiscalized", paid
        times.append(time.perf_counter() - started)
        if time.perf_counter() - run_started > budget:
            break
    elapsed = time.perf_counter() - run_started
    client.close()
    return times, elapsed


def main() -> None:
    configure_logging(json_logs=False, level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="yago-bench-edge-") as tmp:
        root = Path(tmp)
        port = _free_port()
        settings = load_settings(
            None, environ={}, overrides={"app": {"demo": True, "data_dir": str(root / "edge"), "port": port}}
        )
        app = create_app(settings)
        server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=port, log_config=None, access_log=False, loop="asyncio")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        while not server.started:
            time.sleep(0.02)
        base = f"http://127.0.0.1:{port}"
        try:
            device_before = _device_seconds(base)
            times, elapsed = _checkouts(base, BUDGET_SECONDS)
            device_mean = (_device_seconds(base) - device_before) / len(times)
        finally:
            server.should_exit = True
            thread.join(timeout=30)
        commits = _bare_commits(root / "bare.db", len(times))
    p50, p99 = statistics.median(times), _percentile(times, 0.99)
    c50, c99 = statistics.median(commits), _percentile(commits, 0.99)
    print(f"checkouts: {len(times)} (create → lines → pay cash → fiscal receipt), emulators at zero delay")
    print(f"  checkout  p50 {p50 * 1000:8.2f} ms   p99 {p99 * 1000:8.2f} ms")
    print(f"  bare SQLite commit  p50 {c50 * 1000:8.3f} ms   p99 {c99 * 1000:8.3f} ms  (WAL, synchronous=FULL)")
    print(f"  of which device round-trips (emulated ATOL, printer, drawer): mean {device_mean * 1000:8.2f} ms")
    agent_p50 = max(p50 - device_mean, 0.0)
    print(f"  agent's own share p50 ≈ {agent_p50 * 1000:8.2f} ms = {agent_p50 / c50:6.1f}× a bare commit")
    print(f"  ratio checkout/commit  p50 {p50 / c50:8.1f}×   p99 {p99 / c99:8.1f}×")
    print(f"  sustained {len(times) / elapsed:8.1f} orders/s on one register (sequential cashier)")


if __name__ == "__main__":
    main()
