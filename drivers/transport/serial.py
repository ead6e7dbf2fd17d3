"""Serial transport over pyserial: RS-232 and USB-serial devices, and pty pairs in tests and emulators.

The port is opened raw (no echo, no newline translation) and, by default, with an exclusive lock.
"""

from __future__ import annotations

import contextlib

import serial

from drivers.errors import DeviceTimeout, DeviceUnavailable
from drivers.transport._base import BlockingTransport


class SerialTransport(BlockingTransport):
    def __init__(
        self,
        port: str,
        baudrate: int = 9600,
        *,
        bytesize: int = 8,
        parity: str = "N",
        stopbits: float = 1,
        xonxoff: bool = False,
        rtscts: bool = False,
        dsrdtr: bool = False,
        exclusive: bool = True,
    ) -> None:
        super().__init__()
        self.port = port
        self.baudrate = baudrate
        self._settings = {
            "bytesize": bytesize,
            "parity": parity,
            "stopbits": stopbits,
            "xonxoff": xonxoff,
            "rtscts": rtscts,
            "dsrdtr": dsrdtr,
        }
        self.exclusive = exclusive
        self._serial: serial.Serial | None = None

    @property
    def name(self) -> str:
        return self.port

    @property
    def is_open(self) -> bool:
        return self._serial is not None

    def _open(self) -> None:
        try:
            self._serial = serial.Serial(
                port=self.port,
                baudrate=self.baudrate,
                timeout=0,
                write_timeout=None,
                exclusive=self.exclusive,
                **self._settings,  # type: ignore[arg-type]
            )
        except (serial.SerialException, OSError, ValueError) as exc:
            raise DeviceUnavailable(f"{self.name}: cannot open: {exc}") from exc

    def _close(self) -> None:
        port, self._serial = self._serial, None
        if port is not None:
            with contextlib.suppress(serial.SerialException, OSError):  # a vanished device cannot be closed
                port.close()

    def _interrupt(self) -> None:
        port = self._serial
        if port is not None:
            # platforms without cancel_read fall back to the read timeout
            with contextlib.suppress(serial.SerialException, OSError, AttributeError):
                port.cancel_read()

    def _port(self) -> serial.Serial:
        if self._serial is None:
            raise DeviceUnavailable(f"{self.name}: not open")
        return self._serial

    def _write(self, data: bytes, timeout: float) -> None:
        port = self._port()
        if port.write_timeout != timeout:
            port.write_timeout = timeout
        try:
            port.write(data)
        except serial.SerialTimeoutException as exc:
            raise DeviceTimeout(f"{self.name}: write did not finish within {timeout:.3g}s") from exc
        except (serial.SerialException, OSError) as exc:
            raise DeviceUnavailable(f"{self.name}: write failed: {exc}") from exc

    def _read(self, n: int, timeout: float) -> bytes:
        port = self._port()
        timeout = max(timeout, 0.0)
        # Setting the timeout reprograms the tty, so only touch it when it changes.
        if port.timeout != timeout:
            port.timeout = timeout
        try:
            first = port.read(1)
            if not first or n == 1:
                return bytes(first)
            waiting = min(port.in_waiting, n - 1)
            return bytes(first + (port.read(waiting) if waiting else b""))
        except (serial.SerialException, OSError) as exc:
            raise DeviceUnavailable(f"{self.name}: read failed: {exc}") from exc

    def _reset_input(self) -> None:
        try:
            self._port().reset_input_buffer()
        except (serial.SerialException, OSError) as exc:
            raise DeviceUnavailable(f"{self.name}: {exc}") from exc
