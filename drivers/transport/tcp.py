"""Raw TCP transport: ESC/POS printers on port 9100, ZVT terminals on 20007, emulators on loopback.

Nagle is off so a one-byte status query leaves at once; a peer that closes the socket is DeviceUnavailable.
"""

from __future__ import annotations

import contextlib
import socket

from drivers.errors import DeviceTimeout, DeviceUnavailable
from drivers.transport._base import BlockingTransport


class TcpTransport(BlockingTransport):
    def __init__(self, host: str, port: int = 9100, *, connect_timeout: float = 3.0) -> None:
        super().__init__()
        self.host = host
        self.port = port
        self.connect_timeout = connect_timeout
        self._sock: socket.socket | None = None

    @property
    def name(self) -> str:
        return f"tcp://{self.host}:{self.port}"

    @property
    def is_open(self) -> bool:
        return self._sock is not None

    def _open(self) -> None:
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self.connect_timeout)
        except OSError as exc:
            raise DeviceUnavailable(f"{self.name}: cannot connect: {exc}") from exc
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)
        self._sock = sock

    def _close(self) -> None:
        sock, self._sock = self._sock, None
        if sock is not None:
            sock.close()

    def _interrupt(self) -> None:
        sock = self._sock
        if sock is not None:
            with contextlib.suppress(OSError):  # already gone: nothing to wake
                sock.shutdown(socket.SHUT_RDWR)

    def _socket(self) -> socket.socket:
        if self._sock is None:
            raise DeviceUnavailable(f"{self.name}: not open")
        return self._sock

    def _write(self, data: bytes, timeout: float) -> None:
        sock = self._socket()
        sock.settimeout(timeout)
        try:
            sock.sendall(data)
        except TimeoutError as exc:
            raise DeviceTimeout(f"{self.name}: write did not finish within {timeout:.3g}s") from exc
        except OSError as exc:
            raise DeviceUnavailable(f"{self.name}: write failed: {exc}") from exc

    def _read(self, n: int, timeout: float) -> bytes:
        sock = self._socket()
        sock.settimeout(max(timeout, 0.0))
        try:
            chunk = sock.recv(n)
        except TimeoutError:
            return b""
        except BlockingIOError:
            return b""
        except OSError as exc:
            raise DeviceUnavailable(f"{self.name}: read failed: {exc}") from exc
        if not chunk:
            raise DeviceUnavailable(f"{self.name}: connection closed by the device")
        return chunk

    def _reset_input(self) -> None:
        sock = self._socket()
        sock.setblocking(False)
        try:
            while True:
                try:
                    chunk = sock.recv(4096)
                except BlockingIOError:
                    return
                except OSError as exc:
                    raise DeviceUnavailable(f"{self.name}: read failed: {exc}") from exc
                if not chunk:
                    # A dead link shows up here, before anything of the next request is sent.
                    raise DeviceUnavailable(f"{self.name}: connection closed by the device")
        finally:
            sock.setblocking(True)
