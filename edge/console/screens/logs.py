"""Logs: a live tail of the agent's recent log records, filtered by level and component."""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Input, RichLog, Select

from edge.console.client import JsonObject
from edge.console.screens._base import ConsoleScreen

LEVELS = [("all", ""), ("debug", "debug"), ("info", "info"), ("warning", "warning"), ("error", "error")]


class LogsScreen(ConsoleScreen):
    TITLE = "Logs"
    AUTO_FOCUS = "#log"
    REFRESH_SECONDS = 1.5

    def __init__(self) -> None:
        super().__init__()
        self.after = 0
        self.shown: list[JsonObject] = []
        self.generation = 0  # bumped by a filter change; answers to older requests are dropped

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
        self.shown = []
        self.generation += 1
        self.query_one("#log", RichLog).clear()
        self.tail()

    @work(exclusive=True, group="logs")
    async def tail(self) -> None:
        level = self.query_one("#level", Select).value
        component = self.query_one("#component", Input).value.strip()
        generation, after = self.generation, self.after
        records = await self.call(
            "Logs", lambda: self.client.logs(level=str(level or ""), component=component, after=after)
        )
        if not records or generation != self.generation:
            return
        log = self.query_one("#log", RichLog)
        # wrap at the log's own width (the console's measure caps lines at the terminal's first size)
        width = log.scrollable_content_region.width or None
        for record in records:
            self.after = max(self.after, int(record.get("n", 0)))
            self.shown.append(record)
            extra = " ".join(f"{k}={v}" for k, v in record.get("fields", {}).items())
            log.write(
                f"{record.get('at', '')[11:19]} {record.get('level', ''):7} {record.get('component', ''):10} "
                f"{record.get('event', '')} {extra}".rstrip(),
                width=width,
            )
