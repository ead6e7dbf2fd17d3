"""``yago edge run --demo`` as a process, started the way systemd starts it (``YAGO_EDGE_CONFIG``): the log
buffer sees the CLI's logging set-up, and config changes land in that file."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from edge.settings import load_settings
from protocols.samples import DEMO_PINS
from tests.edge.support import TOKEN
from tests.support.net import free_port, wait_for_port

pytestmark = pytest.mark.integration

CONFIG = """# register 1 at the front counter
[app]
location_name = "Front counter"  # shown on receipts
"""


@pytest.fixture
def agent(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    config = tmp_path / "edge.toml"
    config.write_text(CONFIG, encoding="utf-8")
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("YAGO_EDGE")}
    env["YAGO_EDGE_CONFIG"] = str(config)
    command = [str(Path(sys.executable).parent / "yago"), "edge", "run", "--demo", "--host", "127.0.0.1"]
    proc = subprocess.Popen(
        [*command, "--port", str(port), "--data-dir", str(tmp_path / "data")],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        wait_for_port(port, timeout=30)
        yield f"http://127.0.0.1:{port}", config
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def signed_in(url: str) -> httpx.Client:
    client = httpx.Client(base_url=f"{url}/api/v1", headers={"X-Device-Token": TOKEN}, timeout=30)
    for _ in range(100):
        r = client.post("/sessions", json={"pin": DEMO_PINS["technician"]})
        if r.status_code != 503:
            break
    assert r.status_code == 201, r.text
    client.headers["X-Session-Token"] = r.json()["data"]["token"]
    return client


def test_logs_and_config_of_a_cli_agent(agent: tuple[str, Path]) -> None:
    url, config = agent
    tech = signed_in(url)
    try:
        events = [r["event"] for r in tech.get("/tech/logs").json()["data"]]
        assert "edge_ready" in events and "session_opened" in events
        assert tech.get("/tech/config").json()["data"]["config_file"] == str(config)

        r = tech.patch("/tech/config", json={"app.location_name": "Back counter", "devices.printer.port": 9101})
        assert r.status_code == 200, r.text
        assert r.json()["data"]["after_restart"] == ["devices.printer.port"]
        assert tech.get("/status").json()["data"]["agent"]["location_name"] == "Back counter"
    finally:
        tech.close()

    text = config.read_text(encoding="utf-8")
    assert text.startswith("# register 1 at the front counter\n[app]\n")
    assert tomllib.loads(text)["devices"]["printer"]["port"] == 9101
    assert load_settings(config, environ={}).app.location_name == "Back counter"
    assert oct(config.stat().st_mode & 0o777) == "0o600"
