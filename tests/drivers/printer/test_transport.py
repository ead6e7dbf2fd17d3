"""Transports on their own: timeouts, closed links, refused connections, and a pty round trip."""

from __future__ import annotations

import asyncio
import os
import socket
import tty
from collections.abc import Iterator

import pytest

from drivers.errors import DeviceTimeout, DeviceUnavailable
from drivers.transport import SerialTransport, TcpTransport, Transport, UsbTransport

pytestmark = pytest.mark.integration


@pytest.fixture
def listener() -> Iterator[socket.socket]:
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(1)
    yield server
    server.close()


async def test_tcp_read_times_out_empty_and_read_exactly_raises(listener: socket.socket) -> None:
    transport = TcpTransport("127.0.0.1", listener.getsockname()[1])
    await transport.open()
    peer, _ = listener.accept()
    try:
        assert await transport.read(4, 0.05) == b""
        peer.sendall(b"ab")
        with pytest.raises(DeviceTimeout):
            await transport.read_exactly(3, 0.2)
        peer.sendall(b"cde")
        assert await transport.read_exactly(3, 1.0) == b"cde"
    finally:
        peer.close()
        await transport.close()


async def test_tcp_write_reaches_the_peer_and_reset_discards_input(listener: socket.socket) -> None:
    transport = TcpTransport("127.0.0.1", listener.getsockname()[1])
    await transport.open()
    peer, _ = listener.accept()
    try:
        await transport.write(b"\x10\x04\x01", 1.0)
        assert peer.recv(16) == b"\x10\x04\x01"
        peer.sendall(b"stale")
        await asyncio.sleep(0.05)  # let it arrive
        await transport.reset_input()
        peer.sendall(b"\x12")
        assert await transport.read(1, 1.0) == b"\x12"
    finally:
        peer.close()
        await transport.close()


async def test_tcp_peer_hangup_is_unavailable(listener: socket.socket) -> None:
    transport = TcpTransport("127.0.0.1", listener.getsockname()[1])
    await transport.open()
    peer, _ = listener.accept()
    peer.close()
    with pytest.raises(DeviceUnavailable):
        await transport.read(1, 1.0)
    await transport.close()
    await transport.close()  # twice is fine
    assert not transport.is_open


async def test_tcp_refused_is_unavailable() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with pytest.raises(DeviceUnavailable):
        await TcpTransport("127.0.0.1", port, connect_timeout=0.5).open()


async def test_use_before_open_is_unavailable() -> None:
    with pytest.raises(DeviceUnavailable):
        await TcpTransport("127.0.0.1", 9).write(b"x", 0.1)


async def test_serial_round_trip_over_a_pty() -> None:
    master, slave = os.openpty()
    tty.setraw(slave)
    transport = SerialTransport(os.ttyname(slave), 115200)
    try:
        await transport.open()
        await transport.write(bytes(range(256)), 1.0)  # raw: no byte is translated or swallowed
        received = b""
        while len(received) < 256:
            received += os.read(master, 512)
        assert received == bytes(range(256))
        os.write(master, b"\x12\x0a\x0d")
        assert await transport.read_exactly(3, 1.0) == b"\x12\x0a\x0d"
        assert await transport.read(1, 0.05) == b""
    finally:
        await transport.close()
        os.close(master)
        os.close(slave)


def test_transports_satisfy_the_protocol() -> None:
    for transport in (TcpTransport("h"), SerialTransport("/dev/null"), UsbTransport(0x04B8, 0x0202)):
        assert isinstance(transport, Transport)
    assert UsbTransport(0x04B8, 0x0202).name == "usb://04b8:0202"


async def test_usb_without_the_device_is_unavailable() -> None:
    with pytest.raises(DeviceUnavailable):
        await UsbTransport(0xFFFF, 0xFFFE).open()
