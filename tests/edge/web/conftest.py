"""Browser tests of the register pages: a real ``yago edge run --demo`` subprocess (emulated devices) on a free
port with its own data directory, driven by Debian's Chromium through Playwright (never a downloaded browser).
"""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.support.mosquitto import MosquittoBroker
from tests.support.net import free_port

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
TOKEN = "demo-device-token"
PINS = {"cashier": "1111", "manager": "2222", "kitchen": "3333", "technician": "4444"}
SCREENSHOTS = Path(__file__).parent / "screenshots"
REGISTER_ID = "019a0000-0000-7000-8000-000000000003"
LAN_SCREEN = "192.0.2.88"  # a kitchen tablet's address
_URL_RE = re.compile(r"(\w+_admin)['\"]?[=:]\s*['\"]?(http://[^\s'\",}]+)")


@dataclass
class Agent:
    """One running register agent."""

    port: int
    data_dir: Path
    log_path: Path
    proc: subprocess.Popen[bytes]
    extra_env: dict[str, str] = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def api(self, session: str | None = None) -> httpx.Client:
        headers = {"X-Device-Token": TOKEN}
        if session:
            headers["X-Session-Token"] = session
        return httpx.Client(base_url=f"{self.url}/api/v1", headers=headers, timeout=30)

    def login(self, role: str = "cashier") -> str:
        with self.api() as client:
            answer = client.post("/sessions/", json={"pin": PINS[role]})
            answer.raise_for_status()
            return str(answer.json()["data"]["token"])

    def status(self) -> dict[str, object]:
        with self.api() as client:
            answer = client.get("/status")
            answer.raise_for_status()
            body = answer.json()
            return dict(body.get("data", body))

    def emulator_admin(self, name: str) -> str:
        """Admin URL of a demo emulator (``printer_admin``, ``terminal_admin``…), from the status or the log."""
        found = _find_admin(self.status(), name)
        if found:
            return found
        for match in _URL_RE.finditer(self.log_path.read_text(errors="replace")):
            if match.group(1) == name:
                return match.group(2)
        raise LookupError(f"{name} is neither in GET /status nor in the agent log")

    def ensure_shift_open(self) -> None:
        session = self.login("manager")
        with self.api(session) as client:
            current = client.get("/shifts/current").json().get("data")
            if not current:
                client.post("/shifts/open", json={"float": 500000}).raise_for_status()

    def refresh_devices(self) -> None:
        """Poll the devices now rather than at the coordinators' next tick."""
        with self.api(self.login("technician")) as client:
            client.post("/devices/refresh").raise_for_status()

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def _find_admin(node: object, name: str) -> str | None:
    if isinstance(node, dict):
        for key, value in node.items():
            if key == name and isinstance(value, str):
                return value
            found = _find_admin(value, name)
            if found:
                return found
    elif isinstance(node, list):
        for item in node:
            found = _find_admin(item, name)
            if found:
                return found
    return None


def _yago() -> list[str]:
    exe = Path(sys.executable).with_name("yago")
    return [str(exe)] if exe.exists() else [sys.executable, "-m", "yago_cli"]


def start_agent(workdir: Path, env_extra: dict[str, str] | None = None, timeout: float = 60.0) -> Agent:
    port = free_port()
    data_dir = workdir / "edge-data"
    data_dir.mkdir(parents=True, exist_ok=True)
    log_path = workdir / "agent.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("YAGO_EDGE")}
    env.update(
        {
            "YAGO_EDGE__APP__HOST": "127.0.0.1",
            "YAGO_EDGE__APP__PORT": str(port),
            "YAGO_EDGE__APP__DATA_DIR": str(data_dir),
            "YAGO_EDGE__APP__DEVICE_TOKEN": TOKEN,
            "YAGO_EDGE__APP__DEMO": "true",
            "PYTHONUNBUFFERED": "1",
        }
    )
    env.update(env_extra or {})
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [*_yago(), "edge", "run", "--demo"], stdout=log, stderr=subprocess.STDOUT, env=env, cwd=workdir
        )
    agent = Agent(port=port, data_dir=data_dir, log_path=log_path, proc=proc, extra_env=env_extra or {})
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"the agent exited with {proc.returncode}:\n{log_path.read_text(errors='replace')[-4000:]}"
            )
        try:
            if httpx.get(f"{agent.url}/healthz", timeout=1).status_code == 200:
                return agent
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    agent.stop()
    raise TimeoutError(f"the agent did not answer /healthz:\n{log_path.read_text(errors='replace')[-4000:]}")


# Package scope: the browser and the agent end with this package, before other suites run their own loops.
@pytest.fixture(scope="package")
def agent(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Agent]:
    """One demo register for the browser tests, with an open shift; tests that break a device mend it after."""
    running = start_agent(tmp_path_factory.mktemp("agent"))
    try:
        running.ensure_shift_open()
        yield running
    finally:
        running.stop()


@pytest.fixture(scope="package")
def browser() -> Iterator[object]:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian's chromium is not installed")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def new_page(browser: object) -> Iterator[Callable[..., object]]:
    """``new_page(agent, path, width=1280, height=800, lan=False)``: a page in a fresh context (own cookies).
    ``lan``: a screen elsewhere on the LAN rather than the box's own, as the agent sees it through the
    forwarded-for header uvicorn honours from loopback."""
    contexts: list[object] = []

    def make(agent: Agent, path: str = "/pos", width: int = 1280, height: int = 800, lan: bool = False) -> object:
        headers = {"X-Forwarded-For": LAN_SCREEN} if lan else {}
        context = browser.new_context(  # type: ignore[attr-defined]
            viewport={"width": width, "height": height}, locale="ru-RU", extra_http_headers=headers
        )
        context.set_default_timeout(15000)
        contexts.append(context)
        page = context.new_page()
        page.goto(agent.url + path)
        return page

    yield make
    for context in contexts:
        context.close()  # type: ignore[attr-defined]


def screenshot(page: object, name: str) -> None:
    SCREENSHOTS.mkdir(exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))  # type: ignore[attr-defined]


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[MosquittoBroker]:
    b = MosquittoBroker(workdir=tmp_path / "mosquitto")
    b.start()
    yield b
    b.stop()


__all__ = ["PINS", "REGISTER_ID", "TOKEN", "Agent", "screenshot", "start_agent"]
