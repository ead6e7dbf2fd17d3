"""Config: the agent's settings (secrets hidden), changing the chosen ones, re-enrolling with a new code, and a
pairing code for another screen on the LAN."""

from __future__ import annotations

from typing import Any

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from edge.console.screens._base import ConsoleScreen
from edge.console.screens._format import flat
from edge.console.widgets.confirm import ConfirmScreen
from edge.console.widgets.keyvalue import KeyValueTable


def parse_assignment(text: str) -> tuple[str, Any]:
    """``section.key=value`` → (key, value) with ints and booleans recognised."""
    if "=" not in text:
        raise ValueError("write it as section.key=value")
    key, _, raw = text.partition("=")
    key, raw = key.strip(), raw.strip()
    if not key:
        raise ValueError("the setting name is empty")
    value: Any = raw
    if raw.lower() in ("true", "false"):
        value = raw.lower() == "true"
    elif raw.lstrip("-").isdigit():
        value = int(raw)
    return key, value


class ConfigScreen(ConsoleScreen):
    TITLE = "Config"
    AUTO_FOCUS = "#config"
    REFRESH_SECONDS = 30.0

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield KeyValueTable(id="config")
        yield Static("", id="editable")
        with Horizontal(classes="form"):
            yield Input(placeholder="section.key=value", id="assignment")
            yield Button("Apply", id="apply")
            yield Button("Pair a screen", id="pair")
        with Horizontal(classes="form"):
            yield Input(placeholder="hub URL", id="hub-url")
            yield Input(placeholder="enrollment code", id="code")
            yield Button("Re-enroll", id="enroll", variant="warning")
        yield from self.compose_footer()

    def refresh_data(self) -> None:
        self.load()

    @work(exclusive=True, group="config")
    async def load(self) -> None:
        data = await self.call("Config", self.client.config)
        if data is None:
            return
        editable = set(data.get("editable", []))
        rows = [(f"{'*' if key in editable else ' '} {key}", value) for key, value in flat(data.get("settings", {}))]
        self.query_one("#config", KeyValueTable).show(rows)
        self.query_one("#editable", Static).update(
            f"* editable: type section.key=value below — file {data.get('config_file', '?')}"
        )

    @on(Button.Pressed, "#apply")
    @on(Input.Submitted, "#assignment")
    def apply(self) -> None:
        try:
            key, value = parse_assignment(self.query_one("#assignment", Input).value)
        except ValueError as exc:
            self.say(f"Config: {exc}", error=True)
            return
        self.do_apply(key, value)

    @work(exclusive=True, group="config-change")
    async def do_apply(self, key: str, value: Any) -> None:
        result = await self.call("Config", lambda: self.client.change_config({key: value}))
        if result is not None:
            self.say(f"Config: {key} = {value!r}: {result.get('message', 'saved')}")
            self.query_one("#assignment", Input).value = ""
            self.load()

    @on(Button.Pressed, "#pair")
    @work(exclusive=True, group="pair")
    async def pair(self) -> None:
        result = await self.call("Pair a screen", self.client.pairing_code)
        if result is not None:
            minutes = int(result.get("valid_seconds", 600)) // 60
            self.say(f"Pairing code {result.get('code', '?')}: enter it on the new screen within {minutes} min")

    @on(Button.Pressed, "#enroll")
    def enroll(self) -> None:
        hub = self.query_one("#hub-url", Input).value.strip()
        code = self.query_one("#code", Input).value.strip()
        if not hub or not code:
            self.say("Re-enroll: enter the hub URL and the code", error=True)
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.do_enroll(hub, code)

        self.app.push_screen(ConfirmScreen(f"Re-enroll this register with {hub}? Its identity changes."), answered)

    @work(exclusive=True, group="enroll")
    async def do_enroll(self, hub: str, code: str) -> None:
        result = await self.call("Re-enroll", lambda: self.client.reenroll(hub, code))
        if result is not None:
            self.say(f"Enrolled as register {result.get('register_id', '?')}; restart the agent to reconnect")
