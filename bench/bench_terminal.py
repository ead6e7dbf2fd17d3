"""Card terminal driver overhead: one approved sale through ``ZvtTerminal`` against the same sale as a bare,
hand-written APDU exchange on a raw socket, both to the ZVT emulator on loopback with no delay.

The emulator runs in a process of its own (journal without fsync), so neither client shares an
interpreter lock with it. Prints p50/p90 per sale for each and the driver/bare ratio of the p50s.
"""

from __future__ import annotations

import asyncio
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from drivers.payment import TcpEndpoint, ZvtTerminal
from drivers.payment.zvt.driver import CONFIG_BYTE
from drivers.sim.zvt import ZvtEmulator

ROUNDS = 5
SALES_PER_ROUND = 150
WARMUP = 20
BUDGET_S = 40.0
AMOUNT = 12345
# 06 01: amount 123.45 and currency 643 (same bytes the driver sends)
SALE = bytes.fromhex("06 01 0A 04 00 00 00 01 23 45 49 06 43")
ACK = bytes.fromhex("80 00 00")


def _read_apdu(sock: socket.socket) -> bytes:
    def exactly(n: int) -> bytes:
        out = b""
        while len(out) < n:
            chunk = sock.recv(n - len(out))
            if not chunk:
                raise ConnectionError("closed")
            out += chunk
        return out

    head = exactly(3)
    if head[2] == 0xFF:
        ext = exactly(2)
        return head + ext + exactly(int.from_bytes(ext, "little"))
    return head + exactly(head[2])


def _bare_exchange(sock: socket.socket, command: bytes) -> bytes:
    """Send ``command``, acknowledge every PT message, return the final 06 0F / 06 1E."""
    sock.sendall(command)
    while True:
        apdu = _read_apdu(sock)
        if apdu[0] in (0x80, 0x84):
            continue
        sock.sendall(ACK)
        if apdu[:2] in (b"\x06\x0f", b"\x06\x1e"):
            return apdu


def _bare(port: int, count: int) -> list[float]:
    with socket.create_connection(("127.0.0.1", port)) as sock:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        data = bytes([0, 0, 0, CONFIG_BYTE, 0x06, 0x43, 0x03, 0x00]) + bytes.fromhex("06 06 26 04 0A 02 06 D3")
        registration = bytes([0x06, 0x00, len(data)]) + data
        _bare_exchange(sock, registration)
        times = []
        for _ in range(count):
            started = time.perf_counter()
            end = _bare_exchange(sock, SALE)
            times.append(time.perf_counter() - started)
            assert end[:2] == b"\x06\x0f", end.hex()
        return times


async def _driver(port: int, count: int) -> list[float]:
    terminal = ZvtTerminal(TcpEndpoint("127.0.0.1", port))
    try:
        await terminal.status()  # connect and register outside the measurement, like the bare client
        times = []
        for i in range(count):
            started = time.perf_counter()
            result = await terminal.sale(AMOUNT, f"bench-{i}")
            times.append(time.perf_counter() - started)
            assert result.outcome.value == "approved", result
        return times
    finally:
        await terminal.aclose()


def _pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _serve(journal_dir: str, port_file: str) -> None:
    """The emulator process: serve until SIGTERM, after writing the port it got."""
    emulator = ZvtEmulator(Path(journal_dir), port=0, admin_port=None, durable=False)
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    emulator.start()
    Path(port_file).write_text(str(emulator.port))
    stop.wait(120)
    emulator.stop()


def _start_emulator(tmp: Path) -> tuple[subprocess.Popen[bytes], int]:
    port_file = tmp / "port"
    args = [sys.executable, "-m", "bench.bench_terminal", "--serve", str(tmp / "journal"), str(port_file)]
    proc = subprocess.Popen(args, cwd=Path(__file__).resolve().parent.parent)
    deadline = time.monotonic() + 20
    while not port_file.exists() or not port_file.read_text():
        if proc.poll() is not None or time.monotonic() > deadline:
            proc.kill()
            raise RuntimeError("the emulator did not start")
        time.sleep(0.05)
    return proc, int(port_file.read_text())


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        proc, port = _start_emulator(Path(tmp))
        try:
            _bare(port, WARMUP)
            asyncio.run(_driver(port, WARMUP))
            bare: list[float] = []
            driver: list[float] = []
            deadline = time.monotonic() + BUDGET_S
            for _ in range(ROUNDS):  # alternate, so drift on a shared machine hits both
                bare += _bare(port, SALES_PER_ROUND)
                driver += asyncio.run(_driver(port, SALES_PER_ROUND))
                if time.monotonic() > deadline:
                    break
        finally:
            proc.send_signal(signal.SIGTERM)
            proc.wait(timeout=10)
    bare_p50, driver_p50 = statistics.median(bare), statistics.median(driver)
    print(f"ZVT sale over TCP loopback, emulator at zero delay ({len(driver)} sales each)")
    print(f"  bare APDU exchange : p50 {bare_p50 * 1e3:7.3f} ms   p90 {_pct(bare, 0.9) * 1e3:7.3f} ms")
    print(f"  ZvtTerminal.sale() : p50 {driver_p50 * 1e3:7.3f} ms   p90 {_pct(driver, 0.9) * 1e3:7.3f} ms")
    print(f"  driver overhead    : {(driver_p50 - bare_p50) * 1e3:+.3f} ms per sale")
    print(f"  ratio driver/bare  : {driver_p50 / bare_p50:.2f}x")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--serve"]:
        _serve(sys.argv[2], sys.argv[3])
    else:
        main()
