"""Overview: agent version and uptime, hub link and last ack, outbox backlog, catalog, shift, enrollment."""

from __future__ import annotations

from textual import work
from textual.app import ComposeResult
from textual.widgets import Static

from edge.console.screens._base import ConsoleScreen
from edge.console.screens._format import yes_no
from edge.console.widgets.keyvalue import KeyValueTable


def _version(value: object) -> str:
    """'v0' is a real version (the built-in demo catalog); only a missing one is '—'."""
    return "—" if value is None else f"v{value}"


class OverviewScreen(ConsoleScreen):
    TITLE = "Overview"

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("Agent", classes="section")
        yield KeyValueTable(id="overview")
        yield Static("", id="warnings")
        yield from self.compose_footer()

    def refresh_data(self) -> None:
        self.load()

    @work(exclusive=True, group="overview")
    async def load(self) -> None:
        data = await self.call("Overview", self.client.status)
        if data is None:
            return
        agent = data.get("agent", {})
        hub = data.get("hub", {})
        backlog = data.get("backlog", {})
        catalog = data.get("catalog", {})
        shift = data.get("shift") or {}
        last_ack = hub.get("last_ack_at")
        devices = data.get("devices") or []
        troubled = [d["device_id"] for d in devices if d.get("problems") or d.get("online") is False]
        rows = [
            ("Location", f"{agent.get('location_name', '—')}{'  (demo)' if agent.get('demo') else ''}"),
            ("Agent version", str(agent.get("version", "—"))),
            ("Uptime", self.ago(agent.get("started_at"))),
            ("Hub link", "online" if hub.get("connected") else "OFFLINE"),
            ("Last ack", f"{self.ago(last_ack)} ago (seq {hub.get('acked_seq', 0)})" if last_ack else "never"),
            ("Outbox backlog", f"{backlog.get('count', 0)} events"),
            ("Oldest unsent", self.ago(backlog.get("oldest_at"))),
            (
                "Devices",
                f"{len(devices)}, attention: {', '.join(troubled)}" if troubled else f"{len(devices)}, all fine",
            ),
            ("Catalog", f"{_version(catalog.get('version'))}  {str(catalog.get('content_hash') or '')[:12]}"),
            ("Shift", f"{shift.get('status', 'closed')} #{shift.get('number') or '—'}"),
            ("Shift age", self.ago(shift.get("opened_at"))),
            ("Enrolled", yes_no(hub.get("enrolled"))),
            ("Register", str(agent.get("register_id") or "—")),
        ]
        self.query_one("#overview", KeyValueTable).show(rows)
        warnings = data.get("warnings") or []
        self.query_one("#warnings", Static).update("\n".join(f"! {w}" for w in warnings))
