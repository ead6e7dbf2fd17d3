"""The ECR's end of the wire: a TCP stream (bare APDUs) or a serial port (DLE frames with 06/15 link
acknowledgements), both delivering whole APDUs into a queue so a reader never sees half a message.

The serial port is pyserial, read by a thread that answers each frame with 06/15 on the spot.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from typing import cast

import serial

from drivers.payment.zvt.apdu import Apdu, ApduError
from drivers.payment.zvt.framing import (
    LINK_ACK,
    LINK_NAK,
    MAX_ATTEMPTS,
    ApduStream,
    FrameDecoder,
    FrameEventKind,
    frame,
)

log = logging.getLogger(__name__)


class LinkLost(Exception):
    """The connection is gone (EOF, reset, port error, or a frame the PT refused three times)."""


class FrameRefused(LinkLost):
    """The PT answered 15 to every attempt: it never took the frame, so nothing was carried out."""


class LinkTimeout(Exception):
    """Nothing arrived within the wait."""


class Link(ABC):
    def __init__(self) -> None:
        self._queue: asyncio.Queue[Apdu | None] = asyncio.Queue()
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @abstractmethod
    async def send(self, apdu: Apdu) -> None: ...

    async def settle(self) -> None:
        """Let callbacks already due run, so a peer that hung up while we were idle shows as closed."""
        for _ in range(3):
            await asyncio.sleep(0)

    @abstractmethod
    async def close(self) -> None: ...

    async def receive(self, wait: float) -> Apdu:
        """The next whole APDU; LinkTimeout after ``wait`` seconds, LinkLost once the peer is gone."""
        if not self._queue.empty():
            item = self._queue.get_nowait()
        else:
            try:
                async with asyncio.timeout(wait):
                    item = await self._queue.get()
            except TimeoutError:
                raise LinkTimeout(f"nothing within {wait:g}s") from None
        if item is None:
            self._queue.put_nowait(None)  # every later receive sees the loss too
            raise LinkLost("the terminal closed the connection")
        return item

    def drain(self) -> list[Apdu]:
        """Drop what arrived while nobody was waiting (stale answers from an earlier exchange)."""
        stale: list[Apdu] = []
        while not self._queue.empty():
            item = self._queue.get_nowait()
            if item is None:
                self._queue.put_nowait(None)
                break
            stale.append(item)
        return stale

    def _lost(self) -> None:
        if not self._closed:
            self._closed = True
            self._queue.put_nowait(None)


class TcpLink(Link, asyncio.Protocol):
    """Bare APDUs on a TCP connection, cut apart by length as the bytes arrive."""

    def __init__(self) -> None:
        super().__init__()
        self._stream = ApduStream()
        self._transport: asyncio.WriteTransport | None = None

    @classmethod
    async def open(cls, host: str, port: int, connect_wait: float) -> TcpLink:
        loop = asyncio.get_running_loop()
        _, link = await asyncio.wait_for(loop.create_connection(cls, host, port), connect_wait)
        return link

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's TCP transports are not asyncio.Transport subclasses; write() is all this link needs.
        self._transport = cast(asyncio.WriteTransport, transport)

    def data_received(self, data: bytes) -> None:
        try:
            for apdu in self._stream.feed(data):
                self._queue.put_nowait(apdu)
        except ApduError as exc:
            log.info("ZVT TCP stream unreadable: %s", exc)
            self._abandon()

    def eof_received(self) -> bool:
        self._lost()
        return False

    def connection_lost(self, exc: Exception | None) -> None:
        if exc is not None:
            log.info("ZVT TCP link lost: %s", exc)
        self._lost()

    def _abandon(self) -> None:
        self._lost()
        if self._transport is not None:
            self._transport.abort()

    async def send(self, apdu: Apdu) -> None:
        transport = self._transport
        if self._closed or transport is None or transport.is_closing():
            raise LinkLost("the connection is closed")
        try:
            transport.write(apdu.encode())  # APDUs are small: the kernel buffer takes them whole
        except OSError as exc:
            self._abandon()
            raise LinkLost(str(exc)) from exc

    async def close(self) -> None:
        self._closed = True
        if self._transport is not None:
            self._transport.close()


class SerialLink(Link):
    """One serial port. ``link_ack_timeout`` is the wait for the PT's 06/15 after each frame."""

    def __init__(self, port: serial.Serial, *, link_ack_timeout: float = 1.0, gap: float = 1.0) -> None:
        super().__init__()
        self._port = port
        self._loop = asyncio.get_running_loop()
        self._link_ack_timeout = link_ack_timeout
        self._decoder = FrameDecoder(gap)
        self._write_lock = threading.Lock()  # a 06 from the reader thread must not land inside a frame
        self._send_lock = asyncio.Lock()
        self._reply: asyncio.Future[FrameEventKind] | None = None
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._read_loop, name=f"zvt-serial-{port.port}", daemon=True)
        self._thread.start()

    @classmethod
    async def open(
        cls, device: str, baudrate: int, *, stopbits: int = 2, link_ack_timeout: float = 1.0, gap: float = 1.0
    ) -> SerialLink:
        def _open() -> serial.Serial:
            port = serial.Serial(
                port=device,
                baudrate=baudrate,
                bytesize=serial.EIGHTBITS,
                parity=serial.PARITY_NONE,
                stopbits=serial.STOPBITS_TWO if stopbits == 2 else serial.STOPBITS_ONE,
                timeout=0.05,
                write_timeout=2.0,
            )
            port.reset_input_buffer()
            return port

        try:
            port = await asyncio.to_thread(_open)
        except (serial.SerialException, OSError) as exc:
            raise OSError(str(exc)) from exc
        return cls(port, link_ack_timeout=link_ack_timeout, gap=gap)

    def _write(self, data: bytes) -> None:
        with self._write_lock:
            self._port.write(data)
            self._port.flush()

    def _deliver(self, apdu: Apdu | None) -> None:
        with contextlib.suppress(RuntimeError):  # the loop is gone: nobody is listening any more
            if apdu is None:
                self._loop.call_soon_threadsafe(self._lost)
            else:
                self._loop.call_soon_threadsafe(self._queue.put_nowait, apdu)

    def _on_link_reply(self, kind: FrameEventKind) -> None:
        if self._reply is not None and not self._reply.done():
            self._reply.set_result(kind)

    def _read_loop(self) -> None:
        try:
            while not self._stop.is_set():
                data = self._port.read(self._port.in_waiting or 1)
                for event in self._decoder.feed(data, time.monotonic()):
                    if event.kind is FrameEventKind.FRAME:
                        self._write(bytes([LINK_ACK]))
                        try:
                            self._deliver(Apdu.decode(event.payload))
                        except ApduError as exc:
                            log.warning("ZVT frame holds no APDU: %s", exc)
                    elif event.kind is FrameEventKind.BAD_FRAME:
                        log.info("ZVT serial frame refused: %s", event.reason)
                        self._write(bytes([LINK_NAK]))
                    else:
                        with contextlib.suppress(RuntimeError):
                            self._loop.call_soon_threadsafe(self._on_link_reply, event.kind)
        except (serial.SerialException, OSError, TypeError) as exc:
            if not self._stop.is_set():
                log.info("ZVT serial link lost: %s", exc)
        finally:
            self._deliver(None)

    async def send(self, apdu: Apdu) -> None:
        if self._closed:
            raise LinkLost("the port is closed")
        raw = frame(apdu.encode())
        refused = 0
        async with self._send_lock:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                reply: asyncio.Future[FrameEventKind] = self._loop.create_future()
                self._reply = reply
                try:
                    self._write(raw)
                except (serial.SerialException, OSError) as exc:
                    self._lost()
                    raise LinkLost(str(exc)) from exc
                try:
                    kind = await asyncio.wait_for(reply, self._link_ack_timeout)
                except TimeoutError:
                    log.info("ZVT serial: no 06 for frame %s (attempt %d)", apdu, attempt)
                    continue
                finally:
                    self._reply = None
                if kind is FrameEventKind.LINK_ACK:
                    return
                refused += 1
                log.info("ZVT serial: 15 for frame %s (attempt %d)", apdu, attempt)
        if refused == MAX_ATTEMPTS:
            raise FrameRefused(f"the terminal refused frame {apdu} {MAX_ATTEMPTS} times")
        # a silent attempt may have arrived with only its 06 lost: the PT may be acting on it
        raise LinkLost(f"the terminal did not take frame {apdu} in {MAX_ATTEMPTS} attempts")

    async def close(self) -> None:
        self._closed = True
        self._stop.set()
        await asyncio.to_thread(self._thread.join)
        with contextlib.suppress(serial.SerialException, OSError):
            self._port.close()
