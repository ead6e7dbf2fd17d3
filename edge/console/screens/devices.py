"""Devices: each device's state, and the technician's actions on the printer, drawer, fiscal registrar and terminal."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.widgets import DataTable, Static

from edge.console.screens._base import ConsoleScreen
from edge.console.screens._format import flat, yes_no
from edge.console.widgets.confirm import ConfirmScreen
from edge.console.widgets.keyvalue import KeyValueTable

# key, device, action, label, needs confirmation
ACTIONS: tuple[tuple[str, str, str, str, bool], ...] = (
    ("t", "printer", "test-print", "Test print", False),
    ("s", "printer", "status", "Printer status", False),
    ("o", "drawer", "open", "Open drawer", False),
    ("i", "fiscal", "info", "Fiscal info", False),
    ("x", "fiscal", "report-x", "X report", False),
    ("c", "fiscal", "continue-print", "Continue print", False),
    ("z", "fiscal", "close-shift", "Close fiscal shift", True),
    ("k", "terminal", "status", "Terminal status", False),
    ("e", "terminal", "end-of-day", "Terminal end of day", True),
    ("r", "terminal", "repeat-last", "Repeat last receipt", False),
)


KEYS_HELP = (
    "Printer: [b]t[/b] test print  [b]s[/b] status   Drawer: [b]o[/b] open\n"
    "Fiscal: [b]i[/b] info  [b]x[/b] X report  [b]c[/b] continue print  [b]z[/b] close shift (Z)\n"
    "Terminal: [b]k[/b] status  [b]e[/b] end of day  [b]r[/b] repeat last"
)


class DevicesScreen(ConsoleScreen):
    TITLE = "Devices"
    BINDINGS = [Binding(key, f"device('{dev}', '{act}')", label, show=False) for key, dev, act, label, _ in ACTIONS]

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield DataTable(id="devices", cursor_type="row")
        yield Static(KEYS_HELP, id="keys-help")
        with VerticalScroll(id="detail-box"):
            yield Static("", id="detail-title", classes="section")
            yield KeyValueTable(id="detail")
        yield from self.compose_footer()

    def on_mount(self) -> None:
        table = self.query_one("#devices", DataTable)
        table.add_columns("device", "kind", "online", "problems")
        super().on_mount()

    def refresh_data(self) -> None:
        self.load()

    @work(exclusive=True, group="devices")
    async def load(self) -> None:
        data = await self.call("Devices", self.client.devices)
        if data is None:
            return
        table = self.query_one("#devices", DataTable)
        table.clear()
        for device in data.get("devices", []):
            problems = ", ".join(device.get("messages") or device.get("problems") or []) or "—"
            table.add_row(device["device_id"], device["kind"], yes_no(device.get("online")), problems)

    def action_device(self, device: str, action: str) -> None:
        label, confirm = next((lbl, c) for _, d, a, lbl, c in ACTIONS if d == device and a == action)
        if confirm:

            def answered(yes: bool | None) -> None:
                if yes:
                    self.perform(device, action, label)
                else:
                    self.say(f"{label}: cancelled")

            self.app.push_screen(ConfirmScreen(f"{label}? This cannot be undone."), answered)
        else:
            self.perform(device, action, label)

    @work(exclusive=True, group="device-action")
    async def perform(self, device: str, action: str, label: str) -> None:
        self.say(f"{label}…")
        result = await self.call(label, lambda: self.client.device_action(device, action))
        if result is not None:
            self.query_one("#detail-title", Static).update(label)
            self.query_one("#detail", KeyValueTable).show(flat(result))
            self.say(f"{label}: done")
        # a failure changes what the agent knows about the device (paper out, offline): show it now
        self.load()
