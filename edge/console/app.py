"""The console app: six screens as modes (1–6 or F1–F6), keyboard first, usable at 80×24 over SSH."""

from __future__ import annotations

from datetime import UTC, datetime

from textual.app import App
from textual.binding import Binding

from edge.console.client import AgentClient, AgentError, ConsoleTarget
from edge.console.screens.config import ConfigScreen
from edge.console.screens.devices import DevicesScreen
from edge.console.screens.diagnostics import DiagnosticsScreen
from edge.console.screens.logs import LogsScreen
from edge.console.screens.overview import OverviewScreen
from edge.console.screens.sync import SyncScreen


class ConsoleApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "Yago POS — technician console"
    MODES = {
        "overview": OverviewScreen,
        "devices": DevicesScreen,
        "sync": SyncScreen,
        "logs": LogsScreen,
        "config": ConfigScreen,
        "diagnostics": DiagnosticsScreen,
    }
    BINDINGS = [
        Binding("1,f1", "switch_mode('overview')", "Overview"),
        Binding("2,f2", "switch_mode('devices')", "Devices"),
        Binding("3,f3", "switch_mode('sync')", "Sync"),
        Binding("4,f4", "switch_mode('logs')", "Logs"),
        Binding("5,f5", "switch_mode('config')", "Config"),
        Binding("6,f6", "switch_mode('diagnostics')", "Diagnostics"),
        Binding("ctrl+q", "quit", "Quit", priority=True),
        # a plain q must still type into the text fields, so it is not a priority binding
        Binding("q", "quit", "Quit", show=False),
    ]

    def __init__(self, client: AgentClient, *, frozen_at: datetime | None = None) -> None:
        """``frozen_at`` stops the clock for reproducible screenshots: no header clock, no refresh timers,
        and every "… ago" is measured from that instant."""
        super().__init__()
        self.client = client
        self.frozen_at = frozen_at

    def now(self) -> datetime:
        return self.frozen_at or datetime.now(UTC)

    async def on_mount(self) -> None:
        try:
            name = await self.client.sign_in()
            self.sub_title = f"{self.client.target.base_url} — {name}"
        except AgentError as exc:
            self.sub_title = f"not signed in: {exc}"
        await self.switch_mode("overview")

    async def on_unmount(self) -> None:
        await self.client.aclose()


def build_app(target: ConsoleTarget) -> ConsoleApp:
    """One factory for the CLI and the tests."""
    return ConsoleApp(AgentClient(target))
