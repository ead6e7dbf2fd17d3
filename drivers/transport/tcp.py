"""Raw TCP transport: ESC/POS printers on port 9100, ZVT terminals on 20007, emulators on loopback.

It lives on the event loop (an asyncio protocol with its own receive buffer), so a one-byte status query
costs no thread hop. Nagle is off so such a query leaves at once; a peer that closes the socket is
DeviceUnavailable.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
from typing import cast

from drivers.errors import DeviceTimeout, DeviceUnavailable


class _Link(asyncio.Protocol):
    """Bytes the peer sent and not read yet, and whether the connection is still there."""

    def __init__(self) -> None:
        self.buffer = bytearray()
        self.closed: str | None = None  # why the link ended
        self._arrived: asyncio.Event = asyncio.Event()
        self._writable: asyncio.Event = asyncio.Event()
        self._writable.set()
        self.lost: asyncio.Event = asyncio.Event()
        self.transport: asyncio.WriteTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCP transports are not asyncio.Transport subclasses; write() and close() are all we use.
        self.transport = cast(asyncio.WriteTransport, transport)

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        self._arrived.set()

    def eof_received(self) -> bool:
        self._end("connection closed by the device")
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        self._end(f"connection lost: {exc}" if exc else "connection closed by the device")
        self.lost.set()

    def pause_writing(self) -> None:
        self._writable.clear()

    def resume_writing(self) -> None:
        self._writable.set()

    def _end(self, why: str) -> None:
        if self.closed is None:
            self.closed = why
        self._arrived.set()
        self._writable.set()

    async def wait_data(self, timeout: float) -> None:  # noqa: ASYNC109 - a device timeout, not a task's
        self._arrived.clear()
        # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancellation that races the data
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(max(timeout, 0.0)):
                await self._arrived.wait()

    async def wait_writable(self, timeout: float) -> bool:  # noqa: ASYNC109
        try:
            async with asyncio.timeout(max(timeout, 0.0)):
                await self._writable.wait()
        except TimeoutError:
            return False
        return True


class TcpTransport:
    """A :class:`drivers.transport.Transport` over one TCP connection."""

    def __init__(self, host: str, port: int = 9100, *, connect_timeout: float = 3.0) -> None:
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self._link: _Link | None = None
        self._lock = asyncio.Lock()

    @property
    def name(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    @property
    def is_open(self) -> bool:
        return self._link is not None

    def __repr__(self) -> str:
        return f"<TcpTransport {self.name} {'open' if self.is_open else 'closed'}>"

    async def open(self) -> None:
        if self._link is not None:
            return
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                transport, link = await loop.create_connection(_Link, self.host, self.port)
        except (OSError, TimeoutError) as exc:
            raise DeviceUnavailable(f"{self.name}: cannot connect: {exc!r}") from exc
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._link = link

    async def close(self) -> None:
        link, self._link = self._link, None
        if link is not None and link.transport is not None:
            link.transport.close()  # what is still buffered goes out first
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.connect_timeout):
                    await link.lost.wait()

    def _open_link(self) -> _Link:
        link = self._link
        if link is None:
            raise DeviceUnavailable(f"{self.name}: not open")
        return link

    def _alive(self, link: _Link) -> None:
        if link.closed is not None and not link.buffer:
            raise DeviceUnavailable(f"{self.name}: {link.closed}")

    async def write(self, data: bytes, timeout: float) -> None:  # noqa: ASYNC109
        link = self._open_link()
        if link.closed is not None or link.transport is None:
            raise DeviceUnavailable(f"{self.name}: write failed: {link.closed}")
        link.transport.write(data)
        if not await link.wait_writable(timeout):
            raise DeviceTimeout(f"{self.name}: write did not finish within {timeout:.3g}s")
        if link.closed is not None:
            raise DeviceUnavailable(f"{self.name}: write failed: {link.closed}")

    async def read(self, n: int, timeout: float) -> bytes:  # noqa: ASYNC109
        async with self._lock:
            link = self._open_link()
            if not link.buffer:
                self._alive(link)
                await link.wait_data(timeout)
                self._alive(link)
            chunk = bytes(link.buffer[:n])
            del link.buffer[:n]
            return chunk

    async def read_exactly(self, n: int, timeout: float) -> bytes:  # noqa: ASYNC109
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        async with self._lock:
            link = self._open_link()
            while len(link.buffer) < n:
                if link.closed is not None:
                    raise DeviceUnavailable(f"{self.name}: {link.closed} after {len(link.buffer)} of {n} bytes")
                left = deadline - loop.time()
                if left <= 0:
                    got = len(link.buffer)
                    link.buffer.clear()  # a torn frame is dropped: the next read starts afresh
                    raise DeviceTimeout(f"{self.name}: {got} of {n} bytes within {timeout:.3g}s")
                await link.wait_data(left)
            chunk = bytes(link.buffer[:n])
            del link.buffer[:n]
            return chunk

    async def reset_input(self) -> None:
        link = self._open_link()
        link.buffer.clear()
        # A dead link shows up here, before anything of the next request is sent.
        self._alive(link)
