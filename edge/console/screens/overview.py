"""Overview: agent version and uptime, hub link and last ack, outbox backlog, catalog, shift, enrollment."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from edge.console.screens._base import ConsoleScreen
from edge.console.screens._format import age, yes_no
from edge.console.widgets.keyvalue import KeyValueTable


class OverviewScreen(ConsoleScreen):
    TITLE = "Overview"

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("Agent", classes="section")
        yield KeyValueTable(id="overview")
        yield from self.compose_footer()

    def refresh_data(self) -> None:
        self.load()

    @work(exclusive=True, group="overview")
    async def load(self) -> None:
        data = await self.call("Overview", self.client.overview)
        if data is None:
            return
        hub = data.get("hub", {})
        outbox = data.get("outbox", {})
        catalog = data.get("catalog", {})
        shift = data.get("shift", {})
        enrollment = data.get("enrollment", {})
        rows = [
            ("Agent version", str(data.get("version", "—"))),
            ("Uptime", age(data.get("started_at"))),
            ("Hub link", "online" if hub.get("connected") else "OFFLINE"),
            ("Last ack", f"{age(hub.get('last_ack_at'))} ago (seq {hub.get('acked_seq', 0)})"),
            ("Outbox backlog", f"{outbox.get('backlog', 0)} events"),
            ("Oldest unsent", age(outbox.get("oldest_at"))),
            ("Catalog", f"v{catalog.get('version', '—')}  {str(catalog.get('hash') or '')[:12]}"),
            ("Shift", f"{shift.get('state', '—')} #{shift.get('number') or '—'}"),
            ("Shift age", age(shift.get("opened_at"))),
            ("Enrolled", yes_no(enrollment.get("enrolled"))),
            ("Register", str(enrollment.get("register_id") or "—")),
        ]
        self.query_one("#overview", KeyValueTable).show(rows)
