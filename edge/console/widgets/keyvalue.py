"""A two-column table of labelled values that refreshes in place."""

from __future__ import annotations

from collections.abc import Iterable

from textual.widgets import DataTable


class KeyValueTable(DataTable[str]):
    DEFAULT_CSS = "KeyValueTable { height: auto; max-height: 100%; }"

    def on_mount(self) -> None:
        self.cursor_type = "row"
        self.show_header = False
        self.add_column("key", key="key")
        self.add_column("value", key="value")

    def show(self, rows: Iterable[tuple[str, str]]) -> None:
        self.clear()
        for key, value in rows:
            self.add_row(key, value, key=key)
