"""Checkout cost of the register agent: create → lines → pay cash → fiscalized, over real HTTP, with the agent
and the ATOL, ESC/POS and ZVT emulators (zero delay) each in its own process, as on a till. Splits each checkout
into time inside device calls and the agent's own overhead, sets that against as many bare SQLite commits as a
checkout makes (counted by the agent's own metric, measured in the same run), and reports sustained orders per
second, sequential and concurrent, with the CPU each process spends per checkout. The concurrent rate is set
against the bare till (``bench/_bare_till.py``) on fresh emulators in the same run: the same requests, commits
and device exchanges done by the least code, i.e. what this machine and these emulators allow at all.

The cashiers are a lean keep-alive HTTP/1.1 client (the standard library's), so the figures are the agent's
and the devices', not the load generator's."""

from __future__ import annotations

import contextlib
import http.client
import json
import logging
import os
import re
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx

from edge.domain.auth.services import hash_pin
from edge.plugins import configure_logging
from protocols.codec import encode
from protocols.samples import DEMO_PINS, demo_catalog

WATER = "019a0000-0001-7000-8000-000000000051"
CAPPUCCINO = "019a0000-0001-7000-8000-000000000042"
ITEMS = [{"product_id": CAPPUCCINO, "quantity": "1"}, {"product_id": WATER, "quantity": "2"}]
TOKEN = "bench-device-token"
WARMUP = 20
ORDERS = 400
BUDGET_SECONDS = 15.0  # the sequential run stops early on a slow machine
CONCURRENT_CLIENTS = 8
CONCURRENT_SECONDS = 6.0
START_SECONDS = 30.0
TARGET_P99_MS = 25.0
TARGET_ORDERS_PER_SECOND = 300.0
_STEP_SUM = re.compile(r'yago_edge_saga_step_seconds_sum\{step="\w+"\} ([\d.e+-]+)')
_COMMITS = re.compile(r"yago_edge_db_commits_total ([\d.e+-]+)")
_SYNCS = re.compile(r"yago_edge_db_syncs_total ([\d.e+-]+)")


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


class _Agent:
    """Reads the agent's own counters from ``/metrics``: seconds inside device calls, durable commits (write
    transactions) and the COMMITs (fsyncs) that carried them."""

    def __init__(self, base: str) -> None:
        self.http = httpx.Client(base_url=base, timeout=30)

    def counters(self) -> tuple[float, float, float]:
        text = self.http.get("/metrics").text
        device = sum(float(m.group(1)) for m in _STEP_SUM.finditer(text))
        commits, syncs = _COMMITS.search(text), _SYNCS.search(text)
        return device, float(commits.group(1)) if commits else 0.0, float(syncs.group(1)) if syncs else 0.0

    def close(self) -> None:
        self.http.close()


class _Cashier:
    """One till's client: a persistent HTTP/1.1 connection, the device token and a PIN session."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        self.headers = {"X-Device-Token": TOKEN, "Content-Type": "application/json"}
        token = self.call("POST", "/sessions", {"pin": DEMO_PINS["cashier"]})["token"]
        self.headers["X-Session-Token"] = token

    def call(self, method: str, path: str, body: object) -> Any:
        self.conn.request(method, f"/api/v1{path}", json.dumps(body).encode(), self.headers)
        response = self.conn.getresponse()
        data = response.read()
        if response.status >= 400:
            raise RuntimeError(f"{method} {path}: HTTP {response.status} {data[:300]!r}")
        return json.loads(data)["data"]

    def checkout(self) -> None:
        order = self.call("POST", "/orders", {})
        self.call("PUT", f"/orders/{order['id']}/items", {"items": ITEMS})
        paid = self.call("POST", f"/orders/{order['id']}/pay", {"method": "cash"})
        if paid["order"]["status"] != "fiscalized":
            raise RuntimeError(f"checkout ended {paid['order']['status']}: {paid}")

    def close(self) -> None:
        self.conn.close()


def _cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of a process so far (Linux ``/proc``)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class _Processes:
    """Child processes of one run; every one is stopped on the way out, failure or not."""

    def __init__(self, logs: Path) -> None:
        self.logs = logs
        self.running: dict[str, subprocess.Popen[bytes]] = {}

    def spawn(self, name: str, args: list[str], module: str = "yago_cli") -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", module, *args],
                cwd=Path(__file__).resolve().parents[1],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        self.running[name] = proc
        return proc

    def wait_port(self, name: str, port: int) -> None:
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            self.check(name)
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
            time.sleep(0.05)
        raise TimeoutError(f"{name} does not listen on {port} after {START_SECONDS:.0f} s")

    def check(self, name: str) -> None:
        code = self.running[name].poll()
        if code is not None:
            tail = (self.logs / f"{name}.log").read_text(errors="replace")[-2000:]
            raise RuntimeError(f"{name} exited with {code}:\n{tail}")

    def stop(self) -> None:
        for proc in self.running.values():
            if proc.poll() is None:
                proc.terminate()
        for proc in self.running.values():
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def _toml(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    return '"' + str(value).replace("\\", "\\\\").replace('"', '\\"') + '"'


def _write_config(root: Path, ports: dict[str, int]) -> Path:
    """An ordinary register config: the demo catalog (with the demo PINs) from a file, the three devices
    at the emulators' ports, the drawer on the printer."""
    hashes = {role: hash_pin(pin, fast=True) for role, pin in DEMO_PINS.items()}
    catalog = root / "catalog.json"
    catalog.write_bytes(encode(demo_catalog(version=1, staff_pin_hashes=hashes)))
    sections: dict[str, dict[str, object]] = {
        "app": {
            "host": "127.0.0.1",
            "port": ports["agent"],
            "data_dir": str(root / "edge"),
            "device_token": TOKEN,
            "catalog_file": str(catalog),
        },
        "devices": {"drawer_via_printer": True},
        "devices.fiscal": {"kind": "atol", "url": f"http://127.0.0.1:{ports['atol']}"},
        "devices.printer": {"kind": "escpos-tcp", "host": "127.0.0.1", "port": ports["printer"]},
        "devices.terminal": {"kind": "zvt-tcp", "host": "127.0.0.1", "port": ports["terminal"]},
    }
    path = root / "edge.toml"
    path.write_text(
        "".join(
            f"[{name}]\n" + "".join(f"{k} = {_toml(v)}\n" for k, v in values.items()) + "\n"
            for name, values in sections.items()
        )
    )
    return path


@contextlib.contextmanager
def _till(root: Path, *, bare: bool = False) -> Iterator[tuple[str, dict[str, int]]]:
    """The three emulators and the agent (``bare``: the bare till instead, whose fiscal shift it opens
    itself), each its own process; yields the till's base URL and the pids."""
    ports = {name: _free_port() for name in ("atol", "printer", "terminal", "agent")}
    sim = root / "sim"
    root.mkdir(parents=True, exist_ok=True)
    procs = _Processes(root)
    try:
        procs.spawn(
            "atol",
            ["sim", "atol", "--port", str(ports["atol"]), "--state", str(sim / "atol" / "state"),
             "--journal", str(sim / "atol" / "journal")],
        )  # fmt: skip
        procs.spawn(
            "printer",
            ["sim", "printer", "--tcp", str(ports["printer"]), "--journal", str(sim / "printer"),
             "--admin-port", "0", "--no-png"],
        )  # fmt: skip
        procs.spawn(
            "terminal",
            ["sim", "terminal", "--port", str(ports["terminal"]), "--journal", str(sim / "terminal"),
             "--admin-port", "0"],
        )  # fmt: skip
        for name in ("atol", "printer", "terminal"):
            procs.wait_port(name, ports[name])
        base = f"http://127.0.0.1:{ports['agent']}"
        if bare:
            procs.spawn(
                "bare",
                ["--port", str(ports["agent"]), "--atol-port", str(ports["atol"]),
                 "--printer-port", str(ports["printer"]), "--db", str(root / "bare-till.db")],
                module="bench._bare_till",
            )  # fmt: skip
            procs.wait_port("bare", ports["agent"])
            yield base, {name: proc.pid for name, proc in procs.running.items()}
            procs.check("bare")
            return
        config = _write_config(root, ports)
        procs.spawn("agent", ["edge", "run", "--config", str(config)])
        procs.wait_port("agent", ports["agent"])
        deadline = time.monotonic() + START_SECONDS
        while httpx.get(f"{base}/readyz", headers={"X-Device-Token": TOKEN}).status_code != 200:
            procs.check("agent")
            if time.monotonic() > deadline:
                raise TimeoutError("the agent is not ready")
            time.sleep(0.1)
        yield base, {name: proc.pid for name, proc in procs.running.items()}
        procs.check("agent")
    finally:
        procs.stop()


def _sequential(port: int, agent: _Agent) -> tuple[list[float], list[float], float, float]:
    """One cashier, one checkout after another: total and device seconds per checkout, orders/s, commits per
    checkout."""
    cashier = _Cashier(port)
    for _ in range(WARMUP):
        cashier.checkout()
    totals: list[float] = []
    devices: list[float] = []
    busy = 0.0
    _, commits_before, _ = agent.counters()
    run_started = time.perf_counter()
    for _ in range(ORDERS):
        device_before, _, _ = agent.counters()
        started = time.perf_counter()
        cashier.checkout()
        elapsed = time.perf_counter() - started
        busy += elapsed
        totals.append(elapsed)
        devices.append(agent.counters()[0] - device_before)
        if time.perf_counter() - run_started > BUDGET_SECONDS:
            break
    _, commits_after, _ = agent.counters()
    cashier.close()
    return totals, devices, len(totals) / busy, (commits_after - commits_before) / len(totals)


def _concurrent(
    port: int, pids: dict[str, int], agent: _Agent
) -> tuple[int, float, list[float], dict[str, float], float]:
    """:func:`_load` on the agent, and the COMMITs per checkout meanwhile (several cashiers' writes share one)."""
    _, _, syncs_before = agent.counters()
    count, rate, latencies, per_checkout = _load(port, pids)
    _, _, syncs_after = agent.counters()
    return count, rate, latencies, per_checkout, (syncs_after - syncs_before) / count


def _load(port: int, pids: dict[str, int]) -> tuple[int, float, list[float], dict[str, float]]:
    """``CONCURRENT_CLIENTS`` cashiers checking out as fast as they can for ``CONCURRENT_SECONDS``: checkouts,
    orders/s, latencies, and the CPU seconds each process spent per checkout meanwhile."""
    cashiers = [_Cashier(port) for _ in range(CONCURRENT_CLIENTS)]
    latencies: list[list[float]] = [[] for _ in cashiers]
    errors: list[BaseException] = []
    deadline = time.perf_counter() + CONCURRENT_SECONDS

    def run(i: int) -> None:
        try:
            while time.perf_counter() < deadline:
                started = time.perf_counter()
                cashiers[i].checkout()
                latencies[i].append(time.perf_counter() - started)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    cpu_before = {name: _cpu_seconds(pid) for name, pid in pids.items()}
    own_before = time.process_time()
    started = time.perf_counter()
    threads = [threading.Thread(target=run, args=(i,)) for i in range(len(cashiers))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    cpu = {name: _cpu_seconds(pid) - cpu_before[name] for name, pid in pids.items()}
    cpu["cashiers (this process)"] = time.process_time() - own_before
    for cashier in cashiers:
        cashier.close()
    if errors:
        raise errors[0]
    flat = [t for per_client in latencies for t in per_client]
    per_checkout = {name: seconds / len(flat) for name, seconds in cpu.items()}
    return len(flat), len(flat) / elapsed, flat, per_checkout


def _ms(seconds: float) -> str:
    return f"{seconds * 1000:7.2f} ms"


def _verdict(ok: bool) -> str:
    return "met" if ok else "NOT met"


def main() -> None:
    configure_logging(json_logs=False, level=logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="yago-bench-edge-") as tmp:
        root = Path(tmp)
        with _till(root) as (base, pids):
            port = int(base.rsplit(":", 1)[1])
            opener = _Cashier(port)
            opener.call("POST", "/shifts/open", {"float": 0})
            opener.close()
            agent = _Agent(base)
            totals, devices, sequential_rate, commits = _sequential(port, agent)
            concurrent_orders, concurrent_rate, concurrent_totals, cpu, syncs = _concurrent(port, pids, agent)
            agent.close()
        with _till(root / "bare", bare=True) as (base, pids):
            bare_count, bare_rate, bare_totals, bare_cpu = _load(int(base.rsplit(":", 1)[1]), pids)
        per_checkout = max(1, round(commits))
        bare = _bare_commits(root / "bare.db", len(totals) * per_checkout)
    overhead = [t - d for t, d in zip(totals, devices, strict=True)]
    # the floor for software that commits ``per_checkout`` times: that many bare commits back to back
    floors = [sum(bare[i * per_checkout : (i + 1) * per_checkout]) for i in range(len(totals))]
    t50, t99 = statistics.median(totals), _percentile(totals, 0.99)
    o50, o99 = statistics.median(overhead), _percentile(overhead, 0.99)
    f50, f99 = statistics.median(floors), _percentile(floors, 0.99)
    c50, c99 = statistics.median(bare), _percentile(bare, 0.99)
    print(f"checkouts: {len(totals)} after {WARMUP} warm-up (create → 2 lines → pay cash → fiscal receipt,")
    print("  kitchen ticket, drawer), one cashier over loopback HTTP; agent (`yago edge run`) and ATOL, ESC/POS")
    print("  and ZVT emulators (`yago sim …`, zero delay) each in its own process")
    print(f"  total checkout       p50 {_ms(t50)}   p99 {_ms(t99)}")
    print(f"  inside device calls  p50 {_ms(statistics.median(devices))}   p99 {_ms(_percentile(devices, 0.99))}")
    print(f"  software overhead    p50 {_ms(o50)}   p99 {_ms(o99)}   (total minus device time, per checkout)")
    print(f"  bare SQLite commit   p50 {_ms(c50)}   p99 {_ms(c99)}   (WAL, synchronous=FULL, same run)")
    print(f"  a checkout makes {commits:.1f} durable commits; {per_checkout} bare commits back to back:")
    print(f"                       p50 {_ms(f50)}   p99 {_ms(f99)}")
    print(f"  ratio overhead / {per_checkout} bare commits   p50 {o50 / f50:6.1f}×   p99 {o99 / f99:6.1f}×")
    print(f"  sustained, one cashier (sequential): {sequential_rate:7.1f} orders/s")
    print(
        f"  sustained, {CONCURRENT_CLIENTS} cashiers at once for {CONCURRENT_SECONDS:.0f} s: "
        f"{concurrent_rate:7.1f} orders/s ({concurrent_orders} orders; checkout p50 "
        f"{_ms(statistics.median(concurrent_totals)).strip()}, p99 {_ms(_percentile(concurrent_totals, 0.99)).strip()})"
    )
    print(
        f"  the bare till (bench/_bare_till.py: the same requests, commits and device exchanges with no framework,"
        f" checks or recovery),\n    {CONCURRENT_CLIENTS} cashiers: {bare_rate:7.1f} orders/s ({bare_count} orders;"
        f" checkout p50 {_ms(statistics.median(bare_totals)).strip()}); CPU per checkout: "
        + ", ".join(f"{name} {seconds * 1000:.2f} ms" for name, seconds in bare_cpu.items() if name != "terminal")
    )
    print(f"  ratio agent / bare till, {CONCURRENT_CLIENTS} cashiers: {concurrent_rate / bare_rate:.2f}× the orders/s")
    print(f"  meanwhile the {commits:.0f} write transactions of a checkout took {syncs:.2f} COMMITs (fsyncs)")
    busiest = max(cpu, key=lambda name: cpu[name])
    print(
        "  CPU per checkout meanwhile: "
        + ", ".join(f"{name} {seconds * 1000:.2f} ms" for name, seconds in cpu.items())
        + f"; {os.cpu_count()} cores, so {busiest} alone caps one till at {1 / cpu[busiest]:,.0f} orders/s"
    )
    print(
        f"  target software overhead p99 ≤ {TARGET_P99_MS:.0f} ms: {_verdict(o99 * 1000 <= TARGET_P99_MS)} "
        f"(total p99 {_ms(t99).strip()}: {_verdict(t99 * 1000 <= TARGET_P99_MS)}); "
        f"target ≥ {TARGET_ORDERS_PER_SECOND:.0f} orders/s: "
        f"{_verdict(max(sequential_rate, concurrent_rate) >= TARGET_ORDERS_PER_SECOND)}"
    )


if __name__ == "__main__":
    main()
