"""Diagnostics: export a support bundle (config without secrets, recent logs, database check, device info)."""

from __future__ import annotations

import asyncio
import tarfile
from datetime import UTC, datetime
from io import BytesIO
from pathlib import Path

from textual import on, work
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.widgets import Button, Input, Static

from edge.console.screens._base import ConsoleScreen


def save_bundle(path: Path, data: bytes) -> list[str]:
    """Write the bundle and list what is in it (which also proves it is a readable tarball)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    with tarfile.open(fileobj=BytesIO(data), mode="r:gz") as tar:
        return tar.getnames()


def default_bundle_path(now: datetime | None = None) -> str:
    return f"/tmp/yago-support-{now or datetime.now(UTC):%Y%m%dT%H%M%SZ}.tar.gz"


class DiagnosticsScreen(ConsoleScreen):
    TITLE = "Diagnostics"
    AUTO_FOCUS = "#export"

    def compose(self) -> ComposeResult:
        yield from self.compose_header()
        yield Static("Support bundle: config without secrets, recent logs, database integrity check, device info.")
        with Horizontal(classes="form"):
            yield Input(value=default_bundle_path(self.console.now()), id="bundle-path")
            yield Button("Export", id="export", variant="primary")
        yield Static("", id="bundle-contents")
        yield from self.compose_footer()

    @on(Button.Pressed, "#export")
    @on(Input.Submitted, "#bundle-path")
    def export(self) -> None:
        self.do_export(Path(self.query_one("#bundle-path", Input).value.strip() or default_bundle_path()))

    @work(exclusive=True, group="bundle")
    async def do_export(self, path: Path) -> None:
        self.say("Collecting…")
        data = await self.call("Support bundle", self.client.support_bundle)
        if data is None:
            return
        try:
            names = await asyncio.to_thread(save_bundle, path, data)
        except (OSError, tarfile.TarError) as exc:
            self.say(f"Support bundle: {exc}", error=True)
            return
        self.query_one("#bundle-contents", Static).update("\n".join(names))
        self.say(f"Saved {path} ({len(data)} bytes)")
