"""The emulator as a product: knobs over its admin HTTP endpoint, `yago sim terminal` as a real process
on TCP and on a pty, and a clean stop that leaves no threads behind."""

from __future__ import annotations

import asyncio
import signal
import subprocess
import sys
import threading
from pathlib import Path

import httpx
import pytest

from drivers.base import CardOutcome
from drivers.payment import SerialEndpoint, TcpEndpoint, ZvtTerminal
from drivers.sim.zvt import ZvtEmulator
from tests.drivers.payment.conftest import FAST, Rig
from tests.support.net import free_port, wait_for_port

pytestmark = pytest.mark.integration


async def test_admin_endpoint_changes_knobs_while_running(tcp_rig: Rig) -> None:
    terminal = tcp_rig.terminal()
    assert (await terminal.sale(100, "a")).outcome is CardOutcome.APPROVED
    async with httpx.AsyncClient(base_url=tcp_rig.emu.admin_url or "") as http:
        changed = await http.post("/config", json={"outcome": "decline", "declineCode": 0x33})
        assert changed.status_code == 200 and changed.json()["outcome"] == "decline"
        assert (await http.post("/config", json={"nope": 1})).status_code == 400
        assert (await http.post("/config", json={"successRate": 2})).status_code == 400
        declined = await terminal.sale(200, "b")
        assert (declined.outcome, declined.result_code) == (CardOutcome.DECLINED, 0x33)
        state = (await http.get("/state")).json()
    assert (state["trace"], state["receiptNumber"], state["batchTotal"], state["batchCount"]) == (2, 1, 100, 1)
    assert [t["amount"] for t in state["transactions"]] == [100, 200]


def _yago() -> str:
    return str(Path(sys.executable).with_name("yago"))


def _stop(proc: subprocess.Popen[str]) -> str:
    proc.send_signal(signal.SIGTERM)
    _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    return err


async def test_standalone_terminal_over_tcp(tmp_path: Path) -> None:
    port, admin = free_port(), free_port()
    args = [_yago(), "sim", "terminal", "--port", str(port), "--admin-port", str(admin)]
    args += ["--journal", str(tmp_path / "j"), "--error-pattern", "13$", "--terminal-id", "52004242"]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    try:
        await asyncio.to_thread(wait_for_port, port)
        terminal = ZvtTerminal(TcpEndpoint("127.0.0.1", port), **FAST)  # type: ignore[arg-type]
        try:
            approved = await terminal.sale(1000, "a")
            declined = await terminal.sale(1013, "b")
        finally:
            await terminal.aclose()
        assert (approved.outcome, approved.terminal_id) == (CardOutcome.APPROVED, "52004242")
        assert declined.outcome is CardOutcome.DECLINED
    finally:
        err = _stop(proc)
    assert "ZVT terminal stopped" in err
    assert (tmp_path / "j" / "terminal.json").exists()


async def test_standalone_terminal_on_a_pty_link(tmp_path: Path) -> None:
    link = tmp_path / "ttyZVT"
    args = [_yago(), "sim", "terminal", "--pty", str(link), "--admin-port", "0", "--journal", str(tmp_path / "j")]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(200):
            if link.exists():
                break
            await asyncio.sleep(0.05)
        terminal = ZvtTerminal(SerialEndpoint(str(link)), **FAST)  # type: ignore[arg-type]
        try:
            assert (await terminal.sale(500, "a")).outcome is CardOutcome.APPROVED
        finally:
            await terminal.aclose()
    finally:
        _stop(proc)
    assert not link.exists()  # the link goes with the emulator


async def test_stop_leaves_no_threads_and_releases_the_port(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    emu = ZvtEmulator(tmp_path / "j", port=0)
    emu.start()
    terminal = ZvtTerminal(TcpEndpoint("127.0.0.1", emu.port), **FAST)  # type: ignore[arg-type]
    assert (await terminal.status()).ready  # leaves a connection open on the emulator
    port = emu.port
    emu.stop()
    await terminal.aclose()
    assert set(threading.enumerate()) <= before
    again = ZvtEmulator(tmp_path / "j", port=port)
    again.start()
    again.stop()
