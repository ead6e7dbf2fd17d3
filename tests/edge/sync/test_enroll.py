"""`yago edge enroll` against a real HTTP endpoint shaped like the hub's ``POST /api/v1/enroll``."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from edge.settings import load_settings
from protocols.ids import uuid7
from yago_cli.edge_enroll import enroll_command

ORG, LOC, REG = uuid7(), uuid7(), uuid7()
STAFF = [{"id": str(uuid7()), "name": "Анна", "role": "cashier", "pin_hash": "$argon2id$v=19$m=65536,t=3,p=4$abc$def"}]


class _Hub(BaseHTTPRequestHandler):
    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        if self.path != "/api/v1/enroll" or body.get("code") != "GOOD-CODE":
            self.send_response(404)
            self.send_header("Content-Type", "application/problem+json")
            self.end_headers()
            self.wfile.write(json.dumps({"title": "Not found", "detail": "unknown or used enrollment code"}).encode())
            return
        answer = {
            "org_id": str(ORG),
            "location_id": str(LOC),
            "register_id": str(REG),
            "mqtt": {
                "host": "broker.example",
                "port": 8883,
                "username": f"reg-{REG}",
                "password": "s3cr3t-pw",
                "tls": True,
            },
            "staff": STAFF,
        }
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(json.dumps(answer).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_enroll_writes_the_sync_section_privately_and_the_staff_list(tmp_path: Path, hub_url: str) -> None:
    config = tmp_path / "edge.toml"
    data_dir = tmp_path / "data"
    config.write_text(
        f'# register 3 at the bar\n[app]\ndata_dir = "{data_dir}"\nport = 8080\n\n[sync]\nheartbeat_seconds = 20.0\n'
    )
    result = CliRunner().invoke(enroll_command, ["--hub", hub_url, "--code", "GOOD-CODE", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert "s3cr3t-pw" not in result.output
    assert config.stat().st_mode & 0o777 == 0o600
    assert "# register 3 at the bar" in config.read_text()
    settings = load_settings(config, environ={})
    assert settings.sync.register_id == str(REG)
    assert settings.sync.broker_host == "broker.example" and settings.sync.broker_port == 8883
    assert settings.sync.password == "s3cr3t-pw" and settings.sync.tls
    assert settings.sync.heartbeat_seconds == 20.0
    assert settings.sync.hub_url == hub_url
    assert settings.app.port == 8080
    staff = data_dir / "staff.json"
    assert json.loads(staff.read_text()) == STAFF
    assert staff.stat().st_mode & 0o777 == 0o600


def test_a_refused_code_leaves_the_config_untouched(tmp_path: Path, hub_url: str) -> None:
    config = tmp_path / "edge.toml"
    config.write_text("[app]\nport = 8080\n")
    result = CliRunner().invoke(enroll_command, ["--hub", hub_url, "--code", "WRONG", "--config", str(config)])
    assert result.exit_code != 0
    assert "unknown or used enrollment code" in result.output
    assert config.read_text() == "[app]\nport = 8080\n"


def test_re_enrollment_finds_the_hub_in_the_config(tmp_path: Path, hub_url: str) -> None:
    config = tmp_path / "edge.toml"
    config.write_text(f'[app]\ndata_dir = "{tmp_path}"\n\n[sync]\nhub_url = "{hub_url}"\n')
    result = CliRunner().invoke(enroll_command, ["--code", "GOOD-CODE", "--config", str(config)])
    assert result.exit_code == 0, result.output
    assert load_settings(config, environ={}).sync.register_id == str(REG)
