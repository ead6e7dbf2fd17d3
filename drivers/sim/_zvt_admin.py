"""The emulated terminal's admin endpoint (stdlib HTTP, its own port): ``GET /admin/state``,
``GET /admin/config`` and ``POST /admin/config`` with a JSON object of knob changes."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable, Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

log = logging.getLogger(__name__)

Getter = Callable[[], Mapping[str, object]]
Setter = Callable[[Mapping[str, object]], Mapping[str, object]]


class AdminServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], *, state: Getter, config: Getter, configure: Setter) -> None:
        self.state, self.config, self.configure = state, config, configure
        super().__init__(address, _Handler)
        self._thread = threading.Thread(target=self.serve_forever, kwargs={"poll_interval": 0.05}, name="zvt-admin")

    @property
    def port(self) -> int:
        return int(self.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self.shutdown()
        self.server_close()
        self._thread.join()


class _Handler(BaseHTTPRequestHandler):
    server: AdminServer

    def log_message(self, format: str, *args: object) -> None:
        log.debug("admin: " + format, *args)

    def _reply(self, status: HTTPStatus, body: Mapping[str, object]) -> None:
        data = json.dumps(body, ensure_ascii=False).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:
        if self.path == "/admin/state":
            self._reply(HTTPStatus.OK, self.server.state())
        elif self.path == "/admin/config":
            self._reply(HTTPStatus.OK, self.server.config())
        else:
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no {self.path}"})

    def do_POST(self) -> None:
        if self.path != "/admin/config":
            self._reply(HTTPStatus.NOT_FOUND, {"error": f"no {self.path}"})
            return
        try:
            length = int(self.headers.get("Content-Length") or 0)
            body = json.loads(self.rfile.read(length) or b"{}")
            if not isinstance(body, dict):
                raise ValueError("send a JSON object of knob changes")
            self._reply(HTTPStatus.OK, self.server.configure(body))
        except ValueError as exc:
            self._reply(HTTPStatus.BAD_REQUEST, {"error": str(exc)})
