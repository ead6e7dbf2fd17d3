"""Serial barcode scanner (keyboard-less, RS-232 or USB-CDC): one code per line, read as an async iterator.

Scanners end a code with CR, LF or CR LF depending on their setup; all three work, blank lines are
skipped, and an over-long line without a terminator (line noise) is thrown away.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

from drivers.errors import DeviceUnavailable
from drivers.transport import Transport


class SerialScanner:
    def __init__(
        self,
        transport: Transport,
        *,
        device_id: str = "scanner-1",
        poll_interval: float = 0.2,
        max_line_length: int = 512,
        encoding: str = "utf-8",
    ) -> None:
        self.device_id = device_id
        self.transport = transport
        self.poll_interval = poll_interval
        self.max_line_length = max_line_length
        self.encoding = encoding
        self._buffer = bytearray()
        self._skip_to_line_end = False
        self._closed = False

    async def open(self) -> None:
        """Open the port now (reading opens it too). Opening discards whatever the scanner sent before."""
        if not self.transport.is_open:
            await self.transport.open()

    async def read_line(self) -> str:
        """The next scanned code. Raises DeviceUnavailable when the port cannot be opened or goes away."""
        while True:
            line = self._take_line()
            if line is not None:
                return line
            if self._closed:
                raise DeviceUnavailable("scanner closed", device_id=self.device_id)
            await self.open()
            # A short poll keeps cancellation and aclose() prompt: the read runs in a worker thread.
            chunk = await self.transport.read(256, self.poll_interval)
            if chunk:
                self._buffer += chunk
                if len(self._buffer) > self.max_line_length and not any(b in self._buffer for b in b"\r\n"):
                    self._buffer.clear()
                    self._skip_to_line_end = True  # the noise's tail, up to its terminator, goes too

    def _take_line(self) -> str | None:
        while True:
            ends = [i for i in (self._buffer.find(b"\r"), self._buffer.find(b"\n")) if i >= 0]
            if not ends:
                return None
            end = min(ends)
            raw = bytes(self._buffer[:end])
            del self._buffer[: end + 1]
            if self._skip_to_line_end or len(raw) > self.max_line_length:
                self._skip_to_line_end = False
                continue
            text = raw.decode(self.encoding, errors="replace").strip()
            if text:
                return text

    async def lines(self) -> AsyncIterator[str]:
        """Scanned codes until the scanner is closed."""
        while not self._closed:
            try:
                yield await self.read_line()
            except DeviceUnavailable:
                if self._closed:
                    return
                raise

    def __aiter__(self) -> AsyncIterator[str]:
        return self.lines()

    async def aclose(self) -> None:
        self._closed = True
        await self.transport.close()
