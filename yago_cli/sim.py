"""`yago sim atol|printer|terminal`: the device emulators, standalone."""

from __future__ import annotations

from yago_cli._main import LazyGroup


def _build() -> LazyGroup:
    return LazyGroup(
        name="sim",
        help="Device emulators: ATOL fiscal registrar, ESC/POS printer, ZVT card terminal.",
        lazy={
            "atol": ("yago_cli.sim_atol:atol", "ATOL Web Server with a fiscal storage that survives restarts."),
            "printer": ("yago_cli.sim_printer:printer", "ESC/POS printer on TCP 9100 or a pty."),
            "terminal": ("yago_cli.sim_terminal:terminal", "ZVT card terminal on TCP or a pty."),
        },
    )


sim = _build()
