"""The HTTP face of the ATOL emulator (stdlib ``http.server``): the Web Server API ``/api/v2/requests``
and the admin endpoints ``/admin/state``, ``/admin/faults`` and ``/admin/clock``.

Connections are tracked so that stopping the emulator also ends keep-alive connections and joins every
handler thread.
"""

from __future__ import annotations

import contextlib
import logging
import socket
import socketserver
import threading
import uuid
from decimal import Decimal
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Protocol

import msgspec

from drivers.sim._atol_validate import MUTATING_TASKS

log = logging.getLogger(__name__)

MAX_BODY = 1 << 20
_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")


class DuplicateRequest(Exception):
    """The uuid was submitted before: the Web Server accepts a uuid once."""


class Backend(Protocol):
    """What the HTTP layer needs from the emulator."""

    def accept(self, request_uuid: str, tasks: list[tuple[str, bytes]]) -> int: ...
    def results(self, request_uuid: str) -> bytes | None: ...
    def cancel(self, request_uuid: str) -> bool | None: ...
    def wait_finished(self, request_uuid: str) -> bool: ...
    def forget(self, request_uuid: str) -> None: ...
    def take_fault(self, name: str) -> bool: ...
    def admin_state(self) -> dict[str, object]: ...
    def admin_faults(self, changes: dict[str, object] | None) -> dict[str, object]: ...
    def admin_clock(self, advance_seconds: float) -> dict[str, object]: ...


class AtolHttpServer(ThreadingHTTPServer):
    daemon_threads = False
    block_on_close = True
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], backend: Backend) -> None:
        self.backend = backend
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind resolves the host's FQDN, which can stall for seconds without DNS.
        socketserver.TCPServer.server_bind(self)
        host, port = self.server_address[:2]
        self.server_name, self.server_port = str(host), int(port)

    def track(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.add(conn)

    def untrack(self, conn: socket.socket) -> None:
        with self._connections_lock:
            self._connections.discard(conn)

    def close_connections(self) -> None:
        with self._connections_lock:
            for conn in self._connections:
                with contextlib.suppress(OSError):
                    conn.shutdown(socket.SHUT_RDWR)


def _error(code: int, description: str) -> dict[str, object]:
    return {"error": {"code": code, "description": description}}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "AtolWebServerEmulator/1.0"
    timeout = 60  # an idle keep-alive connection is closed after a minute
    server: AtolHttpServer

    def setup(self) -> None:
        super().setup()
        # Small answers written as headers then body would otherwise wait on the peer's delayed ACK.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.server.track(self.connection)

    def finish(self) -> None:
        with contextlib.suppress(OSError):
            super().finish()
        self.server.untrack(self.connection)

    def log_message(self, format: str, *args: object) -> None:
        log.debug("atol-emulator %s " + format, self.address_string(), *args)

    # ---------------------------------------------------------------------------------- replies

    def _send(self, status: int, body: dict[str, object] | bytes | None) -> None:
        data = body if isinstance(body, bytes) else (_ENCODER.encode(body) if body is not None else b"")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _drop(self) -> None:
        """Close the connection without an answer: the client cannot tell what happened."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    def _body(self) -> object:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            raise ValueError("request body too large")
        raw = self.rfile.read(length) if length else b""
        return _DECODER.decode(raw) if raw else None

    def _route(self) -> tuple[str, str | None]:
        path = self.path.split("?", 1)[0].rstrip("/")
        prefix = "/api/v2/requests"
        if path == prefix:
            return "requests", None
        if path.startswith(prefix + "/"):
            return "request", path[len(prefix) + 1 :]
        return path, None

    # ----------------------------------------------------------------------------------- verbs

    def do_GET(self) -> None:
        route, ident = self._route()
        backend = self.server.backend
        if route == "request" and ident is not None:
            request_uuid = _normalise(ident)
            results = backend.results(request_uuid) if request_uuid else None
            if results is None:
                self._send(HTTPStatus.NOT_FOUND, _error(404, f"Запрос {ident} не найден"))
            else:
                self._send(HTTPStatus.OK, results)
        elif route == "/admin/state":
            self._send(HTTPStatus.OK, backend.admin_state())
        elif route == "/admin/faults":
            self._send(HTTPStatus.OK, backend.admin_faults(None))
        else:
            self._send(HTTPStatus.NOT_FOUND, _error(404, "Неизвестный адрес"))

    def do_DELETE(self) -> None:
        route, ident = self._route()
        request_uuid = _normalise(ident or "") if route == "request" else None
        canceled = self.server.backend.cancel(request_uuid) if request_uuid else None
        if canceled is None:
            self._send(HTTPStatus.NOT_FOUND, _error(404, f"Запрос {ident} не найден"))
        elif canceled:
            self._send(HTTPStatus.OK, {"uuid": request_uuid, "canceled": True})
        else:
            self._send(HTTPStatus.CONFLICT, _error(409, "Запрос уже выполняется или выполнен"))

    def do_POST(self) -> None:
        route, _ = self._route()
        try:
            body = self._body()
        except (ValueError, msgspec.DecodeError) as exc:
            self._send(HTTPStatus.BAD_REQUEST, _error(501, f"Ошибка разбора JSON: {exc}"))
            return
        if route == "requests":
            self._post_request(body)
        elif route == "/admin/faults":
            try:
                changes = body if isinstance(body, dict) else {}
                self._send(HTTPStatus.OK, self.server.backend.admin_faults(changes))
            except ValueError as exc:
                self._send(HTTPStatus.BAD_REQUEST, _error(400, str(exc)))
        elif route == "/admin/clock":
            seconds = body.get("advanceSeconds") if isinstance(body, dict) else None
            if isinstance(seconds, bool) or not isinstance(seconds, int | Decimal) or seconds < 0:
                self._send(HTTPStatus.BAD_REQUEST, _error(400, "advanceSeconds must be a non-negative number"))
                return
            self._send(HTTPStatus.OK, self.server.backend.admin_clock(float(seconds)))
        else:
            self._send(HTTPStatus.NOT_FOUND, _error(404, "Неизвестный адрес"))

    def _post_request(self, body: object) -> None:
        backend = self.server.backend
        request_uuid = _normalise(body.get("uuid")) if isinstance(body, dict) else None
        if not isinstance(body, dict) or request_uuid is None:
            self._send(HTTPStatus.BAD_REQUEST, _error(501, "Ошибка разбора JSON: нужен uuid запроса"))
            return
        raw_tasks = body.get("request")
        tasks = [raw_tasks] if isinstance(raw_tasks, dict) else raw_tasks
        if not isinstance(tasks, list) or not tasks:
            self._send(HTTPStatus.BAD_REQUEST, _error(501, "Ошибка разбора JSON: поле request пусто"))
            return
        encoded = [(_task_type(task), _ENCODER.encode(task)) for task in tasks]
        mutating = any(task_type in MUTATING_TASKS for task_type, _ in encoded)
        if mutating and backend.take_fault("drop_before_commit"):
            self._drop()
            return
        try:
            number = backend.accept(request_uuid, encoded)
        except DuplicateRequest:
            self._send(HTTPStatus.CONFLICT, _error(409, f"Запрос с uuid {request_uuid} уже существует"))
            return
        if mutating and backend.take_fault("drop_after_commit"):
            backend.wait_finished(request_uuid)
            if backend.take_fault("forget_request"):
                backend.forget(request_uuid)
            self._drop()
            return
        self._send(HTTPStatus.CREATED, {"uuid": request_uuid, "number": number, "isBlocked": False, "blockedUUID": ""})


def _task_type(task: object) -> str:
    task_type = task.get("type") if isinstance(task, dict) else None
    return task_type if isinstance(task_type, str) else ""


def _normalise(value: object) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None
