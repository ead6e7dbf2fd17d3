"""Sync: link to the hub, outbox backlog, last errors, and resending from a sequence number."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from edge.console.screens._base import ConsoleScreen
from edge.console.screens._format import yes_no
from edge.console.widgets.keyvalue import KeyValueTable


class SyncScreen(ConsoleScreen):
    TITLE = "Sync"
    AUTO_FOCUS = "#sync"

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield KeyValueTable(id="sync")
        yield Static("Last errors", classes="section")
        yield Static("—", id="errors")
        with Horizontal(classes="form"):
            yield Input(placeholder="resend from seq", id="resend-seq", type="integer")
            yield Button("Resend", id="resend")
        yield from self.compose_footer()

    def refresh_data(self) -> None:
        self.load()

    @work(exclusive=True, group="sync")
    async def load(self) -> None:
        data = await self.call("Sync", self.client.sync)
        if data is None:
            return
        rows = [
            ("Enrolled", yes_no(data.get("enrolled"))),
            ("Connected", yes_no(data.get("connected"))),
            ("Broker", str(data.get("broker") or "—")),
            ("Acked seq", str(data.get("acked_seq", 0))),
            ("Last ack", f"{self.ago(data.get('last_ack_at'))} ago" if data.get("last_ack_at") else "never"),
            ("Backlog", f"{data.get('backlog', 0)} events"),
            ("Oldest unsent", self.ago(data.get("oldest_unacked_at"))),
            ("Next seq", str(data.get("next_seq", "—"))),
        ]
        self.query_one("#sync", KeyValueTable).show(rows)
        errors = data.get("errors") or ([data["last_error"]] if data.get("last_error") else [])
        self.query_one("#errors", Static).update("\n".join(str(e) for e in errors[-5:]) or "—")

    @on(Button.Pressed, "#resend")
    @on(Input.Submitted, "#resend-seq")
    def resend(self) -> None:
        raw = self.query_one("#resend-seq", Input).value.strip()
        if not raw.isdigit() or int(raw) < 1:
            self.say("Resend: enter a sequence number ≥ 1", error=True)
            return
        self.do_resend(int(raw))

    @work(exclusive=True, group="resend")
    async def do_resend(self, seq: int) -> None:
        result = await self.call("Resend", lambda: self.client.resend_from(seq))
        if result is not None:
            self.say(f"Resend from {seq}: {result.get('queued', 0)} events queued")
            self.load()
