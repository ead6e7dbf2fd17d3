"""Demo mode: the ATOL, ESC/POS and ZVT emulators started in-process on free loopback ports, with state
and journals under ``data_dir/sim/{atol,printer,terminal}`` so they survive an agent restart.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import msgspec
import structlog

from drivers.sim.atol import AtolEmulator
from drivers.sim.printer import PrinterEmulator
from edge.devices._terminal import TerminalEmulator, start_terminal_emulator, terminal_urls
from edge.devices.config import DeviceSettings

log = structlog.get_logger("edge.devices")


@dataclass(slots=True)
class DemoEmulators:
    """The emulators a demo register drives; tests and the technician UI inject faults through them."""

    atol: AtolEmulator | None = None
    printer: PrinterEmulator | None = None
    terminal: TerminalEmulator | None = None
    root: Path | None = None
    _stopped: bool = field(default=False, repr=False)

    def urls(self) -> dict[str, str | None]:
        """Where each emulator listens and where its admin (fault injection) endpoint is."""
        urls: dict[str, str | None] = {}
        if self.atol is not None:
            urls["atol"] = self.atol.url
            urls["atol_admin"] = f"{self.atol.url}/admin/state"
        if self.printer is not None:
            urls["printer"] = f"tcp://{self.printer.host}:{self.printer.port}"
            urls["printer_admin"] = self.printer.admin_url
        if self.terminal is not None:
            urls.update(terminal_urls(self.terminal))
        return urls

    def stop(self) -> None:
        if self._stopped:
            return
        self._stopped = True
        for emulator in (self.terminal, self.printer, self.atol):
            if emulator is None:
                continue
            try:
                emulator.stop()
            except Exception:
                log.exception("devices.emulator_stop_failed", emulator=type(emulator).__name__)


def start_emulators(root: Path, settings: DeviceSettings) -> DemoEmulators:
    """Start the three emulators on free loopback ports with their state under ``root``."""
    emulators = DemoEmulators(root=root)
    try:
        atol = AtolEmulator(root / "atol" / "state", root / "atol" / "journal", port=0)
        atol.start()
        emulators.atol = atol
        printer = PrinterEmulator(root / "printer", tcp_port=0, admin_port=0, render_png=False)
        printer.start()
        emulators.printer = printer
        emulators.terminal = start_terminal_emulator(root / "terminal", settings.terminal.password)
    except Exception:
        emulators.stop()
        raise
    log.info("devices.demo_emulators", **{k: v for k, v in emulators.urls().items() if v})
    return emulators


def demo_settings(settings: DeviceSettings, emulators: DemoEmulators) -> DeviceSettings:
    """The configured device ids and timings, pointed at the emulators; the drawer hangs off the printer."""
    fiscal = settings.fiscal
    if emulators.atol is not None:
        fiscal = msgspec.structs.replace(fiscal, kind="atol", url=emulators.atol.url)
    printer = settings.printer
    if emulators.printer is not None and emulators.printer.port is not None:
        printer = msgspec.structs.replace(
            printer, kind="escpos-tcp", host=emulators.printer.host, port=emulators.printer.port
        )
    terminal = settings.terminal
    if emulators.terminal is not None:
        emulator = emulators.terminal
        terminal = msgspec.structs.replace(terminal, kind="zvt-tcp", host=emulator.host, port=emulator.port)
    return msgspec.structs.replace(settings, fiscal=fiscal, printer=printer, terminal=terminal, drawer_via_printer=True)
