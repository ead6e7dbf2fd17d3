"""`yago sim atol` as a real process: it serves the Web Server API, arms the faults given as flags,
keeps its state in the given directories and stops cleanly on SIGTERM."""

from __future__ import annotations

import signal
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import httpx
import pytest

from drivers.sim.atol import AtolEmulator
from tests.support.net import free_port, wait_for_port

pytestmark = pytest.mark.integration


def test_standalone_emulator_serves_and_stops_on_sigterm(tmp_path: Path) -> None:
    port = free_port()
    yago = Path(sys.executable).with_name("yago")
    args = [str(yago), "sim", "atol", "--port", str(port), "--state", str(tmp_path / "s")]
    args += ["--journal", str(tmp_path / "j"), "--serial", "00106700004242", "--ofd-down", "--drop-before-commit"]
    proc = subprocess.Popen(args, stderr=subprocess.PIPE, text=True)
    try:
        wait_for_port(port)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}", verify=False) as http:
            state = http.get("/admin/state").json()
            assert state["deviceSerial"] == "00106700004242"
            assert state["faults"]["ofdDown"] is True and state["faults"]["dropBeforeCommit"] is True
            with pytest.raises(httpx.RemoteProtocolError):
                http.post("/api/v2/requests", json={"uuid": str(uuid.uuid4()), "request": [{"type": "openShift"}]})
            assert http.get("/admin/faults").json()["dropBeforeCommit"] is False
    finally:
        proc.send_signal(signal.SIGTERM)
        _, err = proc.communicate(timeout=10)
    assert proc.returncode == 0, err
    assert "ATOL emulator stopped" in err
    assert (tmp_path / "s" / "fn.db").exists()
    assert (tmp_path / "j" / "000001.json").exists()  # the registration report


def test_stop_ends_keep_alive_connections_and_joins_threads(tmp_path: Path) -> None:
    before = set(threading.enumerate())
    emu = AtolEmulator(tmp_path / "s", tmp_path / "j", port=0)
    emu.start()
    with httpx.Client(base_url=emu.url, verify=False) as http:
        assert http.get("/admin/state").status_code == 200  # leaves a keep-alive connection open
        emu.stop()
    assert set(threading.enumerate()) <= before
