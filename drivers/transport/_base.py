"""The transport contract and a base class that runs blocking primitives in a worker thread.

Reads return what arrived (empty on timeout); a closed or vanished link raises DeviceUnavailable.
"""

from __future__ import annotations

import asyncio
import threading
import time
from abc import ABC, abstractmethod
from typing import Protocol, runtime_checkable

from drivers.errors import DeviceTimeout, DeviceUnavailable


@runtime_checkable
class Transport(Protocol):
    """A byte pipe to one device. Every call states its own timeout in seconds."""

    @property
    def name(self) -> str:
        """Where the bytes go, for logs and errors (``tcp://host:9100``, ``/dev/ttyUSB0``)."""
        ...

    @property
    def is_open(self) -> bool: ...

    async def open(self) -> None:
        """Connect; raises DeviceUnavailable when the device cannot be reached."""
        ...

    async def close(self) -> None:
        """Disconnect; never raises, safe to call twice."""
        ...

    async def write(self, data: bytes, timeout: float) -> None:  # noqa: ASYNC109
        """Send all of ``data``. DeviceTimeout or DeviceUnavailable mean part of it may have gone out."""
        ...

    async def read(self, n: int, timeout: float) -> bytes:  # noqa: ASYNC109
        """Up to ``n`` bytes, as soon as any arrive; ``b""`` when nothing came within ``timeout``."""
        ...

    async def read_exactly(self, n: int, timeout: float) -> bytes:  # noqa: ASYNC109
        """Exactly ``n`` bytes within ``timeout`` in total, else DeviceTimeout."""
        ...

    async def reset_input(self) -> None:
        """Discard whatever the device sent and nobody read yet."""
        ...


class BlockingTransport(ABC):
    """Implements :class:`Transport` over blocking ``_open/_close/_write/_read/_reset_input`` primitives.

    Timeouts are per-call arguments rather than ``asyncio.timeout`` because they bound the blocking
    call in the worker thread, which a cancelled awaiter cannot interrupt.

    A lock serialises the primitives: a cancelled awaiter leaves its worker thread running until its
    own timeout, and the next call must not interleave with it on the wire.
    """

    def __init__(self) -> None:
        self._io_lock = threading.Lock()

    @property
    @abstractmethod
    def name(self) -> str: ...

    @property
    @abstractmethod
    def is_open(self) -> bool: ...

    @abstractmethod
    def _open(self) -> None: ...

    @abstractmethod
    def _close(self) -> None: ...

    @abstractmethod
    def _write(self, data: bytes, timeout: float) -> None: ...

    @abstractmethod
    def _read(self, n: int, timeout: float) -> bytes: ...

    @abstractmethod
    def _reset_input(self) -> None: ...

    def _interrupt(self) -> None:  # noqa: B027 - optional hook, most transports need nothing
        """Wake a blocked read so close() does not wait for its timeout (best effort)."""

    def _locked_open(self) -> None:
        with self._io_lock:
            if not self.is_open:
                self._open()

    def _locked_close(self) -> None:
        self._interrupt()
        with self._io_lock:
            if self.is_open:
                self._close()

    def _locked_write(self, data: bytes, timeout: float) -> None:
        with self._io_lock:
            self._require_open()
            self._write(data, timeout)

    def _locked_read(self, n: int, timeout: float) -> bytes:
        with self._io_lock:
            self._require_open()
            return self._read(n, timeout)

    def _locked_read_exactly(self, n: int, timeout: float) -> bytes:
        deadline = time.monotonic() + timeout
        data = bytearray()
        with self._io_lock:
            self._require_open()
            while len(data) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise DeviceTimeout(f"{self.name}: {len(data)} of {n} bytes within {timeout:.3g}s")
                data += self._read(n - len(data), left)
        return bytes(data)

    def _locked_reset_input(self) -> None:
        with self._io_lock:
            self._require_open()
            self._reset_input()

    def _require_open(self) -> None:
        if not self.is_open:
            raise DeviceUnavailable(f"{self.name}: not open")

    async def open(self) -> None:
        await asyncio.to_thread(self._locked_open)

    async def close(self) -> None:
        await asyncio.to_thread(self._locked_close)

    async def write(self, data: bytes, timeout: float) -> None:  # noqa: ASYNC109
        await asyncio.to_thread(self._locked_write, data, timeout)

    async def read(self, n: int, timeout: float) -> bytes:  # noqa: ASYNC109
        return await asyncio.to_thread(self._locked_read, n, timeout)

    async def read_exactly(self, n: int, timeout: float) -> bytes:  # noqa: ASYNC109
        return await asyncio.to_thread(self._locked_read_exactly, n, timeout)

    async def reset_input(self) -> None:
        await asyncio.to_thread(self._locked_reset_input)

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {'open' if self.is_open else 'closed'}>"
