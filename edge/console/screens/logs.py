"""Logs: a live tail of the agent's recent log records, filtered by level and component."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, RichLog, Select

from edge.console.screens._base import ConsoleScreen

LEVELS = [("all", ""), ("debug", "debug"), ("info", "info"), ("warning", "warning"), ("error", "error")]


class LogsScreen(ConsoleScreen):
    TITLE = "Logs"
    REFRESH_SECONDS = 1.5

    def __init__(self) -> None:
        super().__init__()
        self.after = 0

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        with Horizontal(classes="form"):
            yield Select(LEVELS, value="", allow_blank=False, id="level")
            yield Input(placeholder="component (e.g. checkout, sync)", id="component")
        yield RichLog(id="log", wrap=True, max_lines=2000)
        yield from self.compose_footer()

    def refresh_data(self) -> None:
        self.tail()

    @on(Select.Changed, "#level")
    @on(Input.Submitted, "#component")
    def filters_changed(self) -> None:
        self.after = 0
        self.query_one("#log", RichLog).clear()
        self.tail()

    @work(exclusive=True, group="logs")
    async def tail(self) -> None:
        level = self.query_one("#level", Select).value
        component = self.query_one("#component", Input).value.strip()
        records = await self.call(
            "Logs", lambda: self.client.logs(level=str(level or ""), component=component, after=self.after)
        )
        if not records:
            return
        log = self.query_one("#log", RichLog)
        for record in records:
            self.after = max(self.after, int(record.get("n", 0)))
            extra = " ".join(f"{k}={v}" for k, v in record.get("fields", {}).items())
            log.write(
                f"{record.get('at', '')[11:19]} {record.get('level', ''):7} {record.get('component', ''):10} "
                f"{record.get('event', '')} {extra}".rstrip()
            )
