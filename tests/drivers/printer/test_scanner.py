"""The serial barcode scanner over a pty pair: line endings, chunking, blank lines, closing."""

from __future__ import annotations

import asyncio
import os
import tty
from collections.abc import Iterator

import pytest

from drivers.errors import DeviceUnavailable
from drivers.scanner import SerialScanner
from drivers.transport import SerialTransport

pytestmark = pytest.mark.integration


@pytest.fixture
def pty_pair() -> Iterator[tuple[int, str]]:
    """(master fd the "scanner" writes to, slave path the driver opens)."""
    master, slave = os.openpty()
    tty.setraw(slave)
    yield master, os.ttyname(slave)
    os.close(master)
    os.close(slave)


async def test_scanned_codes_arrive_as_stripped_lines(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    scanner = SerialScanner(SerialTransport(path, 9600), poll_interval=0.05)
    await scanner.open()  # opening a serial port discards what arrived before
    os.write(master, b"4601234567890\r\n  ABC-123 \r\n\r\n")
    os.write(master, b"2900001")  # a code split across reads
    got = [await scanner.read_line(), await scanner.read_line()]
    os.write(master, b"234567\nQR:t=1&s=2\r")
    got += [await scanner.read_line(), await scanner.read_line()]
    await scanner.aclose()
    assert got == ["4601234567890", "ABC-123", "2900001234567", "QR:t=1&s=2"]


async def test_async_iteration_stops_on_close(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    scanner = SerialScanner(SerialTransport(path), poll_interval=0.05)
    await scanner.open()
    seen: list[str] = []

    async def consume() -> None:
        async for code in scanner:
            seen.append(code)
            if len(seen) == 2:
                await scanner.aclose()

    os.write(master, b"111\n222\n333\n")
    await asyncio.wait_for(consume(), timeout=5)
    assert seen == ["111", "222"]


async def test_line_noise_without_terminator_is_discarded(pty_pair: tuple[int, str]) -> None:
    master, path = pty_pair
    scanner = SerialScanner(SerialTransport(path), poll_interval=0.05, max_line_length=16)
    await scanner.open()
    os.write(master, b"x" * 40 + b"\n" + b"OK-1\n")
    assert await asyncio.wait_for(scanner.read_line(), timeout=5) == "OK-1"
    os.write(master, b"y" * 20)  # noise that arrives before its terminator
    await asyncio.sleep(0.15)
    os.write(master, b"yyyy\nOK-2\n")
    assert await asyncio.wait_for(scanner.read_line(), timeout=5) == "OK-2"
    await scanner.aclose()


async def test_missing_port_is_unavailable(tmp_path: object) -> None:
    scanner = SerialScanner(SerialTransport("/dev/yago-no-such-scanner"))
    with pytest.raises(DeviceUnavailable):
        await scanner.read_line()
