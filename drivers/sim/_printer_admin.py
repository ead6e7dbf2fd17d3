"""The emulator's admin HTTP endpoint (stdlib only), so another process can make "paper out" happen.

``GET /admin/state``, ``POST /admin/state {"paper": "out"}``, ``GET /admin/jobs``.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


class AdminServer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        get_state: Callable[[], Mapping[str, object]],
        set_state: Callable[[Mapping[str, object]], Mapping[str, object]],
        get_jobs: Callable[[], list[Mapping[str, object]]],
    ) -> None:
        handler = _handler(get_state, set_state, get_jobs)
        self._server = ThreadingHTTPServer((host, port), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.1}, name="printer-admin", daemon=True
        )

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)


def _handler(
    get_state: Callable[[], Mapping[str, object]],
    set_state: Callable[[Mapping[str, object]], Mapping[str, object]],
    get_jobs: Callable[[], list[Mapping[str, object]]],
) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path == "/admin/state":
                self._reply(200, get_state())
            elif self.path == "/admin/jobs":
                self._reply(200, get_jobs())
            else:
                self._reply(404, {"error": "not found"})

        def do_POST(self) -> None:
            if self.path != "/admin/state":
                self._reply(404, {"error": "not found"})
                return
            length = int(self.headers.get("Content-Length") or 0)
            try:
                changes = json.loads(self.rfile.read(length) or b"{}")
                if not isinstance(changes, dict):
                    raise ValueError("expected a JSON object")
                self._reply(200, set_state(changes))
            except ValueError as exc:
                self._reply(400, {"error": str(exc)})

        def _reply(self, status: int, body: object) -> None:
            payload = json.dumps(body, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: the emulator's own output is its journal."""

    return Handler
