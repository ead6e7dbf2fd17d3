"""Printer fixtures: profiles, a running emulator (TCP and pty at once), and a driver on either link."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC
from pathlib import Path

import pytest

from drivers.printer.escpos.driver import EscPosPrinter
from drivers.printer.escpos.profiles import PrinterProfile, load_profile
from drivers.sim.printer import PrinterEmulator
from drivers.transport import SerialTransport, TcpTransport, Transport

PROFILES = Path(__file__).resolve().parents[3] / "firmware-config" / "profiles" / "printer"


@pytest.fixture
def profile_80() -> PrinterProfile:
    return load_profile("generic-80mm", [PROFILES])


@pytest.fixture
def profile_58() -> PrinterProfile:
    return load_profile("generic-58mm", [PROFILES])


@pytest.fixture
def emulator(tmp_path: Path, profile_80: PrinterProfile) -> Iterator[PrinterEmulator]:
    with PrinterEmulator(tmp_path / "journal", tcp_port=0, pty=True, profile=profile_80, admin_port=None) as emu:
        yield emu


def link_to(emulator: PrinterEmulator, kind: str) -> Transport:
    if kind == "tcp":
        assert emulator.port is not None
        return TcpTransport("127.0.0.1", emulator.port, connect_timeout=1.0)
    assert emulator.pty_path is not None
    return SerialTransport(emulator.pty_path, 115200)


def make_printer(transport: Transport, profile: PrinterProfile, **kwargs: object) -> EscPosPrinter:
    options: dict[str, object] = {"status_timeout": 0.3, "reconnect_backoff": 0.01, "tz": UTC}
    options.update(kwargs)
    return EscPosPrinter(transport, profile, **options)  # type: ignore[arg-type]


@pytest.fixture(params=["tcp", "pty"])
def link(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def printer(
    emulator: PrinterEmulator, link: str, profile_80: PrinterProfile, tmp_path: Path
) -> AsyncIterator[EscPosPrinter]:
    driver = make_printer(link_to(emulator, link), profile_80, job_store_path=tmp_path / "printed-jobs.jsonl")
    yield driver
    await driver.aclose()
