"""The terminal's end of the wire: a TCP connection (bare APDUs, optionally sent in small fragments) or
the master side of a pty (DLE frames, CRC, 06/15 link acknowledgements, up to three attempts).

Both deliver whole APDUs to the session through a queue; ``receive`` returns None when the wait ends.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import random
from abc import ABC, abstractmethod

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
from drivers.sim._zvt_knobs import KnobBox

log = logging.getLogger(__name__)


class LinkDown(Exception):
    """The ECR is gone (connection closed, or it stopped taking frames)."""


class PtLink(ABC):
    def __init__(self, knobs: KnobBox) -> None:
        self.knobs = knobs
        self._queue: asyncio.Queue[Apdu | None] = asyncio.Queue()

    async def receive(self, wait: float | None) -> Apdu | None:
        """The next APDU, None after ``wait`` seconds (None: wait for ever); LinkDown once the ECR is gone."""
        try:
            item = await asyncio.wait_for(self._queue.get(), wait)
        except TimeoutError:
            return None
        if item is None:
            self._queue.put_nowait(None)
            raise LinkDown("the ECR closed the link")
        return item

    @abstractmethod
    async def send(self, apdu: Apdu) -> None: ...

    @abstractmethod
    async def send_partial(self, apdu: Apdu) -> None:
        """Put the first half of ``apdu`` on the wire: what a link dying mid-message leaves behind."""

    @abstractmethod
    async def drop(self) -> None:
        """The link goes down (TCP: close; serial: forget the exchange and wait for the next command)."""

    def clear(self) -> None:
        while not self._queue.empty():
            if self._queue.get_nowait() is None:
                self._queue.put_nowait(None)
                return


class TcpPtLink(PtLink):
    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, knobs: KnobBox) -> None:
        super().__init__(knobs)
        self._reader = reader
        self._writer = writer
        self._rng = random.Random()  # not for security: fragment sizes
        self.task = asyncio.create_task(self._read_loop(), name="zvt-pt-read")

    async def _read_loop(self) -> None:
        stream = ApduStream()
        try:
            while chunk := await self._reader.read(4096):
                for apdu in stream.feed(chunk):
                    self._queue.put_nowait(apdu)
        except (OSError, ApduError) as exc:
            log.info("ZVT emulator: TCP read ended: %s", exc)
        finally:
            self._queue.put_nowait(None)

    async def _write(self, data: bytes) -> None:
        try:
            self._writer.write(data)
            await self._writer.drain()
        except OSError as exc:
            raise LinkDown(str(exc)) from exc

    async def send(self, apdu: Apdu) -> None:
        raw = apdu.encode()
        if not self.knobs.current.fragment:
            await self._write(raw)
            return
        pos = 0
        while pos < len(raw):
            size = self._rng.randint(1, 4)
            await self._write(raw[pos : pos + size])
            pos += size
            await asyncio.sleep(0.0005)  # separate segments, so the ECR sees the pieces

    async def send_partial(self, apdu: Apdu) -> None:
        raw = apdu.encode()
        await self._write(raw[: max(1, len(raw) // 2)])

    async def drop(self) -> None:
        self._writer.close()
        with contextlib.suppress(OSError):
            await self._writer.wait_closed()

    async def close(self) -> None:
        await self.drop()
        self.task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await self.task


class PtyPtLink(PtLink):
    """The master fd of a pty pair; the ECR opens the slave. Reads run on the loop's reader callback."""

    def __init__(self, master_fd: int, knobs: KnobBox, *, link_ack_timeout: float = 1.0) -> None:
        super().__init__(knobs)
        self._fd = master_fd
        self._loop = asyncio.get_running_loop()
        self._decoder = FrameDecoder()
        self._link_ack_timeout = link_ack_timeout
        self._reply: asyncio.Future[FrameEventKind] | None = None
        self._write_lock = asyncio.Lock()
        os.set_blocking(master_fd, False)
        self._loop.add_reader(master_fd, self._on_readable)

    def _on_readable(self) -> None:
        try:
            data = os.read(self._fd, 4096)
        except BlockingIOError:
            return
        except OSError as exc:
            log.info("ZVT emulator: pty read failed: %s", exc)
            return
        for event in self._decoder.feed(data, self._loop.time()):
            if event.kind is FrameEventKind.FRAME:
                if self.knobs.take("nak_frames"):
                    self._raw_write(bytes([LINK_NAK]))
                    continue
                self._raw_write(bytes([LINK_ACK]))
                try:
                    self._queue.put_nowait(Apdu.decode(event.payload))
                except ApduError as exc:
                    log.warning("ZVT emulator: frame without an APDU: %s", exc)
            elif event.kind is FrameEventKind.BAD_FRAME:
                self._raw_write(bytes([LINK_NAK]))
            elif self._reply is not None and not self._reply.done():
                self._reply.set_result(event.kind)

    def _raw_write(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = os.write(self._fd, view)
            except BlockingIOError:
                # nobody reads the other end and its buffer is full: the bytes are lost, as on a real line
                log.info("ZVT emulator: pty full, %d bytes dropped", len(view))
                return
            except OSError as exc:
                log.info("ZVT emulator: pty write failed: %s", exc)
                return
            view = view[written:]

    async def send(self, apdu: Apdu) -> None:
        raw = frame(apdu.encode())
        async with self._write_lock:
            for attempt in range(1, MAX_ATTEMPTS + 1):
                reply: asyncio.Future[FrameEventKind] = self._loop.create_future()
                self._reply = reply
                wire = raw
                if self.knobs.take("corrupt_frames"):
                    wire = raw[:-2] + bytes([raw[-2] ^ 0xFF, raw[-1]])
                self._raw_write(wire)
                try:
                    kind = await asyncio.wait_for(reply, self._link_ack_timeout)
                except TimeoutError:
                    continue
                finally:
                    self._reply = None
                if kind is FrameEventKind.LINK_ACK:
                    return
                log.info("ZVT emulator: 15 for %s (attempt %d)", apdu, attempt)
        raise LinkDown(f"the ECR did not take {apdu} in {MAX_ATTEMPTS} attempts")

    async def send_partial(self, apdu: Apdu) -> None:
        raw = frame(apdu.encode())
        self._raw_write(raw[: len(raw) // 2])

    async def drop(self) -> None:
        self.clear()

    def close(self) -> None:
        self._loop.remove_reader(self._fd)
