"""The technician API over real HTTP against a demo agent whose devices are the emulators: device actions
and their failures, audit, logs, config, enroll and the support bundle."""

from __future__ import annotations

import io
import json
import os
import stat
import tarfile
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from protocols.ids import uuid7
from protocols.samples import DEMO_PINS
from tests.edge.support import TOKEN, EdgeServer, atol_admin, ensure_shift

pytestmark = pytest.mark.integration


@pytest.fixture
def tech(edge: EdgeServer) -> Iterator[httpx.Client]:
    client = edge.client(DEMO_PINS["technician"])
    yield client
    client.close()


def printer_admin(server: EdgeServer, **state: object) -> dict[str, Any]:
    r = httpx.post(server.runtime.devices.emulators.printer.admin_url, json=state)
    r.raise_for_status()
    data: dict[str, Any] = r.json()
    return data


def audit_rows(server: EdgeServer, action: str) -> list[tuple[Any, ...]]:
    return server.query("SELECT action, detail, actor_id FROM audit_log WHERE action = ? ORDER BY id", action)


def device(server: EdgeServer, client: httpx.Client, device_id: str) -> dict[str, Any]:
    devices = client.get("/status").json()["data"]["devices"]
    found: dict[str, Any] = next(d for d in devices if d["device_id"] == device_id)
    return found


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("POST", "/tech/devices/printer/status"),
        ("GET", "/tech/sync"),
        ("GET", "/tech/logs"),
        ("GET", "/tech/config"),
        ("GET", "/tech/support-bundle"),
    ],
)
def test_cashier_is_refused_and_anonymous_must_sign_in(
    edge: EdgeServer, cashier: httpx.Client, method: str, path: str
) -> None:
    r = cashier.request(method, path)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    anonymous = httpx.request(method, f"{edge.url}/api/v1{path}", headers={"X-Device-Token": TOKEN})
    assert anonymous.status_code == 401
    assert anonymous.headers["content-type"].startswith("application/problem+json")


def test_printer_status_and_test_print_reach_the_printer(edge: EdgeServer, tech: httpx.Client) -> None:
    emulator = edge.runtime.devices.emulators.printer
    jobs = len(emulator.jobs)
    r = tech.post("/tech/devices/printer/status")
    assert r.status_code == 200, r.text
    assert r.json()["data"] == {"online": True, "paper": "ok", "cover_open": False, "drawer_open": False}
    r = tech.post("/tech/devices/printer/test-print")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["outcome"] == "printed"
    printed = emulator.wait_for_jobs(jobs + 1)[-1]
    assert "test print" in printed.text
    assert audit_rows(edge, "tech.printer.test-print")[-1][1] == "ok"


def test_paper_out_is_a_problem_and_shows_in_the_status(edge: EdgeServer, tech: httpx.Client) -> None:
    printer_admin(edge, paper="out")
    try:
        r = tech.post("/tech/devices/printer/test-print")
        assert r.status_code == 409
        body = r.json()
        assert body["code"] == "paper_out" and body["title"] == "The printer is out of paper"
        assert "paper_out" in device(edge, tech, "printer-1")["problems"]
        assert "Out of paper: load a new roll" in device(edge, tech, "printer-1")["messages"]
        assert audit_rows(edge, "tech.printer.test-print")[-1][1].startswith("failed: paper_out")
        assert tech.post("/tech/devices/printer/status").json()["data"]["paper"] == "out"
    finally:
        printer_admin(edge, paper="ok")
    tech.post("/tech/devices/printer/status")
    assert tech.post("/tech/devices/printer/test-print").status_code == 200
    assert "paper_out" not in device(edge, tech, "printer-1")["problems"]


def test_drawer_opens_through_the_printer(edge: EdgeServer, tech: httpx.Client) -> None:
    emulator = edge.runtime.devices.emulators.printer
    kicks = len(emulator.drawer_kicks)
    r = tech.post("/tech/devices/drawer/open")
    assert r.status_code == 200 and r.json()["data"] == {"opened": True}
    assert len(emulator.drawer_kicks) == kicks + 1


def test_fiscal_info_tells_fn_validity_ofd_queue_and_shift(edge: EdgeServer, tech: httpx.Client) -> None:
    r = tech.post("/tech/devices/fiscal/info")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["device"]["serial"]
    assert data["fn"]["serial"] and data["fn"]["valid_until"] and data["fn"]["days_left"] > 0
    assert isinstance(data["fn"]["warnings"], list)
    assert data["ofd"]["unsent_count"] >= 0
    assert data["shift"]["state"] in ("closed", "opened", "expired")


def test_x_report_prints_on_the_fiscal_registrar(edge: EdgeServer, tech: httpx.Client) -> None:
    before = int(atol_admin(edge, "state")["requests"])
    r = tech.post("/tech/devices/fiscal/report-x")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["printed"] is True and r.json()["data"]["report"]["kind"] == "x"
    assert int(atol_admin(edge, "state")["requests"]) > before
    atol_admin(edge, "faults", {"paperOut": True})
    try:
        r = tech.post("/tech/devices/fiscal/report-x")
        assert r.status_code == 409 and r.json()["code"] == "paper_out"
    finally:
        atol_admin(edge, "faults", {"paperOut": False})
    assert audit_rows(edge, "tech.fiscal.report-x")[-1][1].startswith("failed: paper_out")
    assert tech.post("/tech/devices/fiscal/continue-print").status_code == 200


def test_terminal_status_end_of_day_and_repeat_last(edge: EdgeServer, tech: httpx.Client) -> None:
    r = tech.post("/tech/devices/terminal/status")
    assert r.status_code == 200 and r.json()["data"]["ready"] is True
    r = tech.post("/tech/devices/terminal/end-of-day")
    assert r.status_code == 200, r.text
    assert r.json()["data"]["ok"] is True
    assert edge.query("SELECT state FROM device_journal WHERE kind = 'endOfDay' ORDER BY created_at DESC")[0] == (
        "done",
    )
    r = tech.post("/tech/devices/terminal/repeat-last")
    assert r.status_code == 200 and "found" in r.json()["data"]


def test_unknown_device_action_is_404(tech: httpx.Client) -> None:
    r = tech.post("/tech/devices/printer/explode")
    assert r.status_code == 404 and r.json()["code"] == "unknown_action"


def test_close_shift_goes_through_the_register_shift(fresh_edge: EdgeServer) -> None:
    tech = fresh_edge.client(DEMO_PINS["technician"])
    cashier = fresh_edge.client()
    r = tech.post("/tech/devices/fiscal/close-shift")
    assert r.status_code == 200 and r.json()["data"]["already_closed"] is True
    ensure_shift(cashier)
    assert tech.post("/tech/devices/fiscal/info").json()["data"]["shift"]["state"] == "opened"
    r = tech.post("/tech/devices/fiscal/close-shift")
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["register_shift_closed"] is True and data["report"]["kind"] == "z"
    assert cashier.get("/shifts/current").json()["data"] is None
    assert tech.post("/tech/devices/fiscal/info").json()["data"]["shift"]["state"] == "closed"
    assert [row[0] for row in audit_rows(fresh_edge, "tech.fiscal.close-shift")] == ["tech.fiscal.close-shift"] * 2
    tech.close()
    cashier.close()


def test_sync_view_and_resend_without_a_hub(edge: EdgeServer, tech: httpx.Client) -> None:
    data = tech.get("/tech/sync").json()["data"]
    assert data["enrolled"] is False and data["connected"] is False
    assert data["next_seq"] == edge.query("SELECT MAX(seq) FROM outbox")[0][0] + 1
    assert data["backlog"] >= 1
    r = tech.post("/tech/sync/resend", json={"from_seq": 1})
    assert r.status_code == 409 and r.json()["code"] == "not_enrolled"
    assert tech.post("/tech/sync/resend", json={"from_seq": 0}).status_code == 400


def test_logs_are_filtered_by_level_component_and_position(edge: EdgeServer, tech: httpx.Client) -> None:
    everything = tech.get("/tech/logs").json()["data"]
    last = everything[-1]["n"]
    assert {"n", "at", "level", "component", "event", "fields"} <= set(everything[-1])
    printer_admin(edge, paper="out")
    try:
        tech.post("/tech/devices/printer/test-print")
    finally:
        printer_admin(edge, paper="ok")
    newer = tech.get("/tech/logs", params={"after": last}).json()["data"]
    assert newer and all(r["n"] > last for r in newer)
    warnings = tech.get("/tech/logs", params={"after": last, "level": "warning"}).json()["data"]
    assert any(r["event"] == "technician.device_action_failed" and r["fields"]["kind"] == "paper_out" for r in warnings)
    assert all(r["level"] in ("warning", "error", "critical") for r in warnings)
    mine = tech.get("/tech/logs", params={"component": "technician"}).json()["data"]
    assert mine and {r["component"] for r in mine} == {"technician"}
    sessions = tech.get("/tech/logs", params={"component": "auth"}).json()["data"]
    assert any(r["event"] == "session_opened" for r in sessions)


def test_config_masks_secrets_and_lists_editable_keys(edge: EdgeServer, tech: httpx.Client) -> None:
    r = tech.get("/tech/config")
    assert r.status_code == 200
    data = r.json()["data"]
    assert data["settings"]["app"]["device_token"] == "***"
    assert TOKEN not in r.text
    assert "app.location_name" in data["editable"] and "devices.printer.port" in data["editable"]
    assert data["config_file"] == str(edge.settings.data_dir / "edge.toml")


def test_config_change_is_validated_written_and_applied(edge: EdgeServer, tech: httpx.Client) -> None:
    path = edge.settings.data_dir / "edge.toml"
    r = tech.patch("/tech/config", json={"app.ofd_warning_days": 99, "app.device_token": "x"})
    assert r.status_code == 422
    errors = r.json()["errors"]
    assert "between 0 and 29" in errors["app.ofd_warning_days"] and "app.device_token" in errors
    assert not path.exists()

    r = tech.patch(
        "/tech/config",
        json={"app.location_name": "Кофейня на Садовой", "sync.heartbeat_seconds": 20, "devices.printer.port": 9101},
    )
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert sorted(data["applied"]) == ["app.location_name", "sync.heartbeat_seconds"]
    assert data["after_restart"] == ["devices.printer.port"]
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    written = tomllib.loads(path.read_text(encoding="utf-8"))
    assert written["app"]["location_name"] == "Кофейня на Садовой"
    assert written["sync"]["heartbeat_seconds"] == 20.0
    assert written["devices"]["printer"]["port"] == 9101
    assert tech.get("/status").json()["data"]["agent"]["location_name"] == "Кофейня на Садовой"
    assert edge.runtime.sync.settings.heartbeat_seconds == 20.0
    assert "app.location_name=" in audit_rows(edge, "tech.config")[-1][1]

    path.write_text("# the box\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    assert tech.patch("/tech/config", json={"app.location_name": "Yago"}).status_code == 200
    text = path.read_text(encoding="utf-8")
    assert text.startswith("# the box\n") and 'location_name = "Yago"' in text


class _Hub(BaseHTTPRequestHandler):
    """An HTTP endpoint shaped like the hub's ``POST /api/v1/enroll``."""

    answer: dict[str, object] = {}

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        ok = self.path == "/api/v1/enroll" and body.get("code") == "GOOD-CODE"
        self.send_response(200 if ok else 404)
        self.send_header("Content-Type", "application/json" if ok else "application/problem+json")
        self.end_headers()
        payload = self.answer if ok else {"title": "Not found", "detail": "unknown or used enrollment code"}
        self.wfile.write(json.dumps(payload).encode())

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def hub_url() -> Iterator[str]:
    _Hub.answer = {
        "org_id": str(uuid7()),
        "location_id": str(uuid7()),
        "register_id": str(uuid7()),
        "mqtt": {"host": "broker.example", "port": 8883, "username": "reg", "password": "s3cr3t-pw", "tls": True},
        "staff": [],
    }
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Hub)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join()


def test_enroll_writes_the_new_identity(fresh_edge: EdgeServer, hub_url: str) -> None:
    tech = fresh_edge.client(DEMO_PINS["technician"])
    path = fresh_edge.settings.data_dir / "edge.toml"
    r = tech.post("/tech/enroll", json={"hub_url": hub_url, "code": "WRONG"})
    assert r.status_code == 502 and r.json()["code"] == "enroll_failed"
    assert "unknown or used enrollment code" in r.json()["detail"]
    r = tech.post("/tech/enroll", json={"hub_url": hub_url, "code": "GOOD-CODE"})
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert data["register_id"] == _Hub.answer["register_id"] and data["restart_required"] is True
    written = tomllib.loads(path.read_text(encoding="utf-8"))
    assert written["sync"]["register_id"] == _Hub.answer["register_id"]
    assert written["sync"]["password"] == "s3cr3t-pw"
    assert written["app"]["data_dir"] == str(fresh_edge.settings.data_dir)
    assert (fresh_edge.settings.data_dir / "staff.json").exists()
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert [row[1].startswith("failed") for row in audit_rows(fresh_edge, "tech.enroll")] == [True, False]
    assert "s3cr3t-pw" not in tech.get("/tech/config").text
    tech.close()


def test_support_bundle_has_everything_but_secrets(edge: EdgeServer, tech: httpx.Client) -> None:
    r = tech.get("/tech/support-bundle")
    assert r.status_code == 200
    assert r.headers["content-type"] == "application/gzip"
    assert "attachment" in r.headers["content-disposition"]
    with tarfile.open(fileobj=io.BytesIO(r.content), mode="r:gz") as tar:
        files = {name.split("/", 1)[1]: tar.extractfile(name).read() for name in tar.getnames()}  # type: ignore[union-attr]
    assert set(files) >= {
        "version.txt",
        "config.json",
        "status.json",
        "integrity_check.txt",
        "devices.json",
        "audit.json",
        "logs.jsonl",
    }
    assert files["integrity_check.txt"].decode().strip() == "ok"
    assert json.loads(files["config.json"])["settings"]["app"]["device_token"] == "***"
    assert all(TOKEN.encode() not in body for body in files.values())
    devices = json.loads(files["devices.json"])
    assert devices["fiscal"]["fn"]["serial"] and devices["printer"]["online"] is True
    assert json.loads(files["status.json"])["agent"]["version"] == edge.runtime.version
    assert [json.loads(line) for line in files["logs.jsonl"].splitlines()][-1]["n"] > 0
