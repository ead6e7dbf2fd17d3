"""DLE EOT status through the emulator over TCP and a pty: each state, and the fail-safe unknowns."""

from __future__ import annotations

import socket
from typing import Any

import pytest

from drivers.base import PaperState, PrinterStatus
from drivers.printer.escpos.driver import EscPosPrinter
from drivers.printer.escpos.profiles import PrinterProfile
from drivers.printer.escpos.status import decode, is_status_byte
from drivers.sim.printer import PrinterEmulator
from drivers.transport import TcpTransport
from tests.drivers.printer.conftest import make_printer

pytestmark = pytest.mark.integration

UNKNOWN = PrinterStatus(online=None, paper=PaperState.UNKNOWN, cover_open=None, drawer_open=None)

STATES: dict[str, tuple[dict[str, Any], PrinterStatus]] = {
    "ready": ({}, PrinterStatus(online=True, paper=PaperState.OK, cover_open=False, drawer_open=False)),
    "near_end": (
        {"paper": "near_end"},
        PrinterStatus(online=True, paper=PaperState.NEAR_END, cover_open=False, drawer_open=False),
    ),
    "paper_out": (
        {"paper": "out"},
        PrinterStatus(online=False, paper=PaperState.OUT, cover_open=False, drawer_open=False),
    ),
    "cover_open": (
        {"cover_open": True},
        PrinterStatus(online=False, paper=PaperState.OK, cover_open=True, drawer_open=False),
    ),
    "offline": (
        {"online": False},
        PrinterStatus(online=False, paper=PaperState.OK, cover_open=False, drawer_open=False),
    ),
    "drawer_open": (
        {"drawer_open": True},
        PrinterStatus(online=True, paper=PaperState.OK, cover_open=False, drawer_open=True),
    ),
}


@pytest.mark.parametrize("state", list(STATES))
async def test_status_reports_each_state(state: str, emulator: PrinterEmulator, printer: EscPosPrinter) -> None:
    changes, expected = STATES[state]
    emulator.set_state(**changes)
    assert await printer.status() == expected


@pytest.mark.parametrize("replies", ["silent", "garbage"])
async def test_no_reply_or_garbage_is_unknown_never_fine(
    replies: str, emulator: PrinterEmulator, printer: EscPosPrinter
) -> None:
    emulator.set_state(replies=replies)
    assert await printer.status() == UNKNOWN


async def test_status_recovers_when_the_printer_answers_again(
    emulator: PrinterEmulator, printer: EscPosPrinter
) -> None:
    emulator.set_state(replies="silent")
    assert (await printer.status()).online is None
    emulator.set_state(replies="normal")
    assert (await printer.status()).online is True


async def test_unreachable_printer_is_unknown(profile_80: PrinterProfile) -> None:
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    printer = make_printer(TcpTransport("127.0.0.1", port, connect_timeout=0.5), profile_80, reconnect_attempts=2)
    assert await printer.status() == UNKNOWN
    await printer.aclose()


def test_reply_pattern_validation() -> None:
    assert is_status_byte(0x12) and is_status_byte(0x7E) and is_status_byte(0x1A)
    assert not is_status_byte(0xFF) and not is_status_byte(0x00) and not is_status_byte(0x13)
    # python-escpos 3.1 would call a missing paper reply "paper OK"; we keep it unknown
    assert decode(0x12, 0x12, None).paper is PaperState.UNKNOWN
    assert decode(0x12, None, 0x12).cover_open is None
    assert decode(0x12, 0x32, 0x12).paper is PaperState.OUT  # stopped by paper end wins
