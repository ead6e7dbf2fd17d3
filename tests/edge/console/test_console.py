"""The console driven by Textual's pilot against a real demo agent (its devices are the emulators)."""

from __future__ import annotations

import tarfile
from collections.abc import AsyncIterator, Callable
from pathlib import Path

import httpx
import pytest
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from edge.console.app import ConsoleApp
from edge.console.client import AgentClient, ConsoleTarget
from edge.console.screens.config import ConfigScreen
from edge.console.screens.devices import DevicesScreen
from edge.console.screens.diagnostics import DiagnosticsScreen
from edge.console.screens.logs import LogsScreen
from edge.console.screens.overview import OverviewScreen
from edge.console.screens.sync import SyncScreen
from edge.console.widgets.confirm import ConfirmScreen
from edge.console.widgets.keyvalue import KeyValueTable
from protocols.samples import DEMO_PINS
from tests.edge.support import TOKEN, EdgeServer, ensure_shift
from tests.edge.technician._hub_link import enrolled_agent
from tests.support.mosquitto import MosquittoBroker

pytestmark = pytest.mark.integration


def console_for(server: EdgeServer, pin: str = DEMO_PINS["technician"]) -> ConsoleApp:
    return ConsoleApp(AgentClient(ConsoleTarget(base_url=server.url, device_token=TOKEN, pin=pin, timeout=15)))


async def until(pilot: Pilot[None], check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Let the app run until ``check()`` holds (agent calls are real HTTP round trips)."""
    for _ in range(int(timeout / 0.05)):
        if check():
            return
        await pilot.pause(0.05)
    raise AssertionError(f"the console did not get there in time; message: {message(pilot.app)!r}")  # type: ignore[arg-type]


def message(app: ConsoleApp) -> str:
    return str(app.screen.query_one("#message", Static).content)


def cell(app: ConsoleApp, table: str, row: str) -> str:
    widget = app.screen.query_one(f"#{table}", KeyValueTable)
    return str(widget.get_cell(row, "value")) if row in widget.rows else ""


@pytest.fixture
async def app(edge: EdgeServer) -> AsyncIterator[ConsoleApp]:
    yield console_for(edge)


def printer_paper(server: EdgeServer, paper: str) -> None:
    httpx.post(server.runtime.devices.emulators.printer.admin_url, json={"paper": paper}).raise_for_status()


async def test_signs_in_and_switches_screens_by_keys(edge: EdgeServer, app: ConsoleApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await until(pilot, lambda: cell(app, "overview", "Agent version") == edge.runtime.version)
        assert "Глеб Техников" in app.sub_title
        assert cell(app, "overview", "Devices").startswith("3")
        for key, screen in [
            ("2", DevicesScreen),
            ("3", SyncScreen),
            ("4", LogsScreen),
            ("5", ConfigScreen),
            ("6", DiagnosticsScreen),
            ("1", OverviewScreen),
            ("f6", DiagnosticsScreen),
            ("f2", DevicesScreen),
        ]:
            await pilot.press(key)
            await pilot.pause()
            assert isinstance(app.screen, screen), key


async def test_a_cashier_pin_is_not_a_technician(edge: EdgeServer) -> None:
    app = console_for(edge, DEMO_PINS["cashier"])
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        assert "Not a technician" in app.sub_title


async def test_test_print_and_paper_out_on_the_devices_screen(edge: EdgeServer, app: ConsoleApp) -> None:
    emulator = edge.runtime.devices.emulators.printer
    jobs = len(emulator.jobs)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await until(pilot, lambda: app.screen.query_one("#devices", DataTable).row_count == 3)
        await pilot.press("t")
        await until(pilot, lambda: message(app) == "Test print: done")
        assert len(emulator.wait_for_jobs(jobs + 1)) == jobs + 1

        printer_paper(edge, "out")
        try:
            await pilot.press("t")
            await until(pilot, lambda: "out of paper" in message(app))
            assert app.screen.query_one("#message").has_class("error")
            table = app.screen.query_one("#devices", DataTable)
            await until(pilot, lambda: "Out of paper: load a new roll" in str(table.get_row_at(1)))
        finally:
            printer_paper(edge, "ok")
        await pilot.press("s")
        await until(pilot, lambda: message(app) == "Printer status: done")
        assert cell(app, "detail", "paper") == "ok"


async def test_x_report_and_closing_the_shift_asks_first(fresh_edge: EdgeServer) -> None:
    cashier = fresh_edge.client()
    ensure_shift(cashier)
    app = console_for(fresh_edge)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("2")
        await pilot.press("x")
        await until(pilot, lambda: message(app) == "X report: done")
        assert cell(app, "detail", "printed") == "yes"
        assert cell(app, "detail", "report.kind") == "x"

        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.press("n")
        await until(pilot, lambda: message(app) == "Close fiscal shift: cancelled")
        assert cashier.get("/shifts/current").json()["data"] is not None

        await pilot.press("z")
        await until(pilot, lambda: isinstance(app.screen, ConfirmScreen))
        await pilot.click("#yes")
        await until(pilot, lambda: message(app) == "Close fiscal shift: done")
        assert cell(app, "detail", "register_shift_closed") == "yes"
    assert cashier.get("/shifts/current").json()["data"] is None
    cashier.close()


async def test_resend_needs_a_hub(edge: EdgeServer, app: ConsoleApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("3")
        await until(pilot, lambda: cell(app, "sync", "Enrolled") == "no")
        await pilot.click("#resend-seq")
        await pilot.press("abc")
        await pilot.click("#resend")
        assert "sequence number" in message(app)
        app.screen.query_one("#resend-seq", Input).value = "1"
        await pilot.click("#resend-seq")
        await pilot.press("enter")
        await until(pilot, lambda: "not enrolled" in message(app))


async def test_resend_from_the_sync_screen(tmp_path: Path, mosquitto: MosquittoBroker) -> None:
    with enrolled_agent(tmp_path / "edge", mosquitto) as (server, watcher):
        app = console_for(server)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("3")
            await until(pilot, lambda: cell(app, "sync", "Connected") == "yes")
            assert cell(app, "sync", "Broker") == f"{mosquitto.host}:{mosquitto.port}"
            app.screen.query_one("#resend-seq", Input).value = "1"
            await pilot.click("#resend")
            await until(pilot, lambda: message(app).startswith("Resend from 1:"))
            assert "events queued" in message(app)
        assert watcher.wait_for(2).count(1) == 2


async def test_logs_filter_by_level_and_component(edge: EdgeServer, app: ConsoleApp) -> None:
    printer_paper(edge, "out")
    try:
        edge.client(DEMO_PINS["technician"]).post("/tech/devices/printer/test-print")
    finally:
        printer_paper(edge, "ok")
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("4")
        screen = app.screen
        assert isinstance(screen, LogsScreen)
        await until(pilot, lambda: any(r["level"] == "info" for r in screen.shown))
        assert any(r["level"] == "info" for r in screen.shown)
        screen.query_one("#level", Select).value = "warning"
        await until(pilot, lambda: bool(screen.shown) and all(r["level"] != "info" for r in screen.shown))
        assert any(r["event"] == "technician.device_action_failed" for r in screen.shown)
        assert {r["level"] for r in screen.shown} <= {"warning", "error", "critical"}
        screen.query_one("#level", Select).value = ""
        await pilot.click("#component")
        screen.query_one("#component", Input).value = "auth"
        await pilot.press("enter")
        await until(pilot, lambda: bool(screen.shown) and {r["component"] for r in screen.shown} == {"auth"})
        assert any(r["event"] == "session_opened" for r in screen.shown)


async def test_config_change_validation_error_then_success(edge: EdgeServer, app: ConsoleApp) -> None:
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: cell(app, "config", "  app.device_token") == "***")
        assert cell(app, "config", "* app.location_name") != ""
        await pilot.click("#assignment")
        app.screen.query_one("#assignment", Input).value = "app.ofd_warning_days=99"
        await pilot.press("enter")
        await until(pilot, lambda: "between 0 and 29" in message(app))
        assert app.screen.query_one("#message").has_class("error")
        app.screen.query_one("#assignment", Input).value = "app.location_name=Пилот"
        await pilot.press("enter")
        await until(pilot, lambda: message(app).startswith("Config: app.location_name = 'Пилот'"))
        await until(pilot, lambda: cell(app, "config", "* app.location_name") == "Пилот")
    status = edge.client(DEMO_PINS["technician"]).get("/status").json()["data"]
    assert status["agent"]["location_name"] == "Пилот"


async def test_a_pairing_code_for_a_lan_screen(edge: EdgeServer, app: ConsoleApp) -> None:
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("5")
        await until(pilot, lambda: cell(app, "config", "  app.device_token") == "***")
        await pilot.click("#pair")
        await until(pilot, lambda: message(app).startswith("Pairing code "))
        code = message(app).split()[2].rstrip(":")
    assert len(code) == 6 and code.isdigit()
    assert edge.runtime.pairing.redeem(code)  # the agent issued exactly this code, good once


async def test_support_bundle_export(tmp_path: Path, edge: EdgeServer, app: ConsoleApp) -> None:
    target = tmp_path / "out" / "bundle.tar.gz"
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("6")
        app.screen.query_one("#bundle-path", Input).value = str(target)
        await pilot.click("#export")
        await until(pilot, lambda: message(app).startswith(f"Saved {target}"), timeout=20)
        listing = str(app.screen.query_one("#bundle-contents", Static).content)
        assert "logs.jsonl" in listing and "integrity_check.txt" in listing
    with tarfile.open(target, mode="r:gz") as tar:
        names = [name.split("/", 1)[1] for name in tar.getnames()]
    assert "devices.json" in names and "status.json" in names
