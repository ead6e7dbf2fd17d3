"""Behaviour every console screen shares: header/footer, a message line, and running agent calls safely."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import Footer, Header, Static

from edge.console.client import AgentClient, AgentError
from edge.console.screens._format import age

if TYPE_CHECKING:
    from edge.console.app import ConsoleApp


class ConsoleScreen(Screen[None]):
    """A screen with a refresh loop and a one-line message area (``#message``)."""

    REFRESH_SECONDS = 3.0

    @property
    def console(self) -> ConsoleApp:
        from edge.console.app import ConsoleApp

        app = self.app
        assert isinstance(app, ConsoleApp)
        return app

    @property
    def client(self) -> AgentClient:
        return self.console.client

    def compose_header(self) -> ComposeResult:
        yield Header(show_clock=self.console.frozen_at is None)

    def compose_footer(self) -> ComposeResult:
        yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        self.refresh_data()
        if self.console.frozen_at is None:
            self.set_interval(self.REFRESH_SECONDS, self.refresh_data)

    def ago(self, iso: str | None) -> str:
        return age(iso, self.console.now())

    def refresh_data(self) -> None:
        """Overridden by screens that show live data."""

    def say(self, text: str, error: bool = False) -> None:
        message = self.query_one("#message", Static)
        message.update(text)
        message.set_class(error, "error")

    async def call(self, what: str, action: Callable[[], Awaitable[Any]]) -> Any:
        """Run an agent call; report failures on the message line instead of crashing the console."""
        try:
            result = await action()
        except AgentError as exc:
            self.say(f"{what}: {exc}", error=True)
            return None
        return result
