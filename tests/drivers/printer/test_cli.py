"""`yago sim printer` as its own process: TCP and a linked pty, state changed over admin HTTP from here."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from drivers.base import PaperState, PrintOutcome
from drivers.printer.escpos.profiles import PrinterProfile
from drivers.sim.printer import PrinterEmulator
from drivers.transport import SerialTransport, TcpTransport
from tests.drivers.printer.conftest import make_printer
from tests.support.net import free_port

pytestmark = [pytest.mark.integration, pytest.mark.timeout(60)]

YAGO = Path(sys.executable).with_name("yago")


def post_state(port: int, body: object) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(
        f"http://127.0.0.1:{port}/admin/state",
        data=json.dumps(body).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=5) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, json.loads(exc.read())


async def test_standalone_emulator_is_driven_from_another_process(tmp_path: Path, profile_80: PrinterProfile) -> None:
    tcp_port, admin_port = free_port(), free_port()
    link, journal = tmp_path / "ttyPRN", tmp_path / "journal"
    command = [str(YAGO), "sim", "printer", "--tcp", str(tcp_port), "--pty", str(link)]
    command += ["--journal", str(journal), "--admin-port", str(admin_port), "--paper-out", "--no-png"]
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        banner = [proc.stdout.readline().strip() for _ in range(4)]
        assert banner[0] == f"tcp 127.0.0.1:{tcp_port}"
        assert os.readlink(link).startswith("/dev/pts/")

        over_tcp = make_printer(TcpTransport("127.0.0.1", tcp_port), profile_80)
        assert (await over_tcp.status()).paper is PaperState.OUT
        status, state = post_state(admin_port, {"paper": "ok"})
        assert (status, state["paper"]) == (200, "ok")
        assert (await over_tcp.status()).paper is PaperState.OK
        await over_tcp.aclose()

        over_pty = make_printer(SerialTransport(str(link)), profile_80)
        assert (await over_pty.print_text("pty-1", ["Капучино 0,3 л"])).outcome is PrintOutcome.PRINTED
        await over_pty.aclose()
        (text_file,) = journal.glob("*.txt")
        assert text_file.read_text(encoding="utf-8") == "Капучино 0,3 л\n"

        assert post_state(admin_port, {"paper": "wet"})[0] == 400
    finally:
        proc.terminate()
        proc.wait(timeout=10)
        if proc.stdout is not None:
            proc.stdout.close()
    assert proc.returncode == 0
    assert not link.exists() and not link.is_symlink()


def test_cli_needs_a_port_or_a_pty(tmp_path: Path) -> None:
    result = subprocess.run(
        [str(YAGO), "sim", "printer", "--journal", str(tmp_path)], capture_output=True, text=True, timeout=30
    )
    assert result.returncode == 2 and "--tcp" in result.stderr


def test_admin_endpoint_in_process(tmp_path: Path) -> None:
    with PrinterEmulator(tmp_path, tcp_port=0) as emulator:
        assert emulator.admin_port is not None
        status, state = post_state(emulator.admin_port, {"cover": "open", "offline": True, "replies": "garbage"})
        assert status == 200
        assert (state["cover"], state["online"], state["replies"]) == ("open", False, "garbage")
        assert emulator.state.cover_open and not emulator.state.online
        assert post_state(emulator.admin_port, {"voltage": 12})[0] == 400
        with urllib.request.urlopen(f"http://127.0.0.1:{emulator.admin_port}/admin/jobs", timeout=5) as response:
            assert json.loads(response.read()) == []
