"""Screenshots of the console need the same answers every run: this module records the agent's answers
(``python -m tests.edge.console.recorded`` against a fresh demo agent, volatile values pinned) into
``recorded.json``, and replays them through an httpx transport. Behaviour tests never use it."""

from __future__ import annotations

import json
import re
import tempfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

HERE = Path(__file__).parent
RECORDING = HERE / "recorded.json"
ROUTES = [
    ("GET", "/status"),
    ("GET", "/tech/sync"),
    ("GET", "/tech/logs"),
    ("GET", "/tech/config"),
]


class ReplayTransport(httpx.AsyncBaseTransport):
    """Answers each ``METHOD /path`` with the recorded body; anything else is a 404 problem."""

    def __init__(self, recording: dict[str, Any]) -> None:
        self.answers: dict[str, Any] = recording["answers"]

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path.removeprefix("/api/v1")
        body = self.answers.get(f"{request.method} {path}")
        if body is None:
            return httpx.Response(404, json={"title": "Not recorded", "detail": f"{request.method} {path}"})
        return httpx.Response(200, json=body)


def load() -> dict[str, Any]:
    data: dict[str, Any] = json.loads(RECORDING.read_text(encoding="utf-8"))
    return data


def frozen_at(recording: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(recording["frozen_at"])


def _pin_ports(text: str) -> str:
    ports: dict[str, str] = {}

    def stable(match: re.Match[str]) -> str:
        port = ports.setdefault(match.group(1), str(17000 + len(ports)))
        return f"127.0.0.1:{port}"

    return re.sub(r"127\.0\.0\.1:(\d+)", stable, text)


def record() -> None:
    """Run a demo agent with the printer out of paper, and store its answers with volatile values pinned."""
    from protocols.samples import DEMO_PINS
    from tests.edge.support import running

    with tempfile.TemporaryDirectory() as tmp, running(Path(tmp) / "edge") as server:
        client = server.client(DEMO_PINS["technician"])
        httpx.post(server.runtime.devices.emulators.printer.admin_url, json={"paper": "out"}).raise_for_status()
        client.post("/tech/devices/printer/status")
        client.post("/tech/devices/printer/test-print")
        client.post("/tech/devices/fiscal/info")
        answers: dict[str, Any] = {
            "POST /sessions": {
                "data": {
                    "token": "recorded",
                    "staff": {
                        "id": "019a0000-0001-7000-8000-000000000073",
                        "name": "Глеб Техников",
                        "role": "technician",
                    },
                    "expires_at": "2026-01-01T00:00:00+00:00",
                }
            }
        }
        for method, path in ROUTES:
            response = client.request(method, path)
            response.raise_for_status()
            answers[f"{method} {path}"] = response.json()
        client.close()
        text = json.dumps(answers, ensure_ascii=False)
        text = text.replace(str(server.settings.data_dir), "/var/lib/yago")
        text = text.replace(f'"port": {server.port}', '"port": 8080')
        text = _pin_ports(text)
    answers = json.loads(text)
    logs = answers["GET /tech/logs"]["data"]
    answers["GET /tech/logs"]["data"] = [r for r in logs if r["level"] != "debug"][:40]
    started = datetime.fromisoformat(answers["GET /status"]["data"]["agent"]["started_at"])
    recording = {"frozen_at": (started + timedelta(hours=1, minutes=5)).isoformat(), "answers": answers}
    RECORDING.write_text(json.dumps(recording, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    record()
