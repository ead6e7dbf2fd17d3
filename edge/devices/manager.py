"""The register's devices in one place: drivers built from :class:`DeviceSettings`, one coordinator each,
and in demo mode the in-process emulators they talk to over their real transports (HTTP, TCP).

Emulator state and journals live under ``data_dir/sim/{atol,printer,terminal}``, so a demo register
restarted on the same data directory finds its fiscal storage, shift and printed receipts where it left them.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

from drivers.base import CashDrawer, FiscalRegistrar, PaymentTerminal, ReceiptPrinter
from drivers.errors import DeviceError
from edge.devices import _build
from edge.devices.config import DeviceSettings
from edge.devices.coordinators import (
    DeviceCoordinator,
    DeviceState,
    FiscalCoordinator,
    PrinterCoordinator,
    TerminalCoordinator,
)
from edge.devices.emulators import DemoEmulators, demo_settings, start_emulators
from protocols.events import DeviceHealth

HealthListener = Callable[[DeviceHealth], None]


class DeviceManager:
    """Owns the drivers and their coordinators; the checkout saga uses ``fiscal``/``printer``/``terminal``/``drawer``."""

    def __init__(
        self,
        *,
        fiscal: FiscalRegistrar | None = None,
        printer: ReceiptPrinter | None = None,
        terminal: PaymentTerminal | None = None,
        drawer: CashDrawer | None = None,
        coordinators: list[DeviceCoordinator] | None = None,
        emulators: DemoEmulators | None = None,
    ) -> None:
        self.fiscal = fiscal
        self.printer = printer
        self.terminal = terminal
        self.drawer = drawer
        self.coordinators = coordinators or []
        self.emulators = emulators
        self._started = False

    @classmethod
    def from_settings(
        cls,
        settings: DeviceSettings,
        data_dir: Path,
        demo: bool,
        *,
        shift_warning_minutes: int = 120,
        ofd_warning_days: int = 3,
    ) -> DeviceManager:
        """Build drivers and coordinators. In demo mode the emulators are started here (on free ports) so
        the drivers are built against their real addresses; :meth:`stop` stops them."""
        data_dir = Path(data_dir)
        emulators: DemoEmulators | None = None
        if demo:
            emulators = start_emulators(data_dir / "sim", settings)
            settings = demo_settings(settings, emulators)
        try:
            fiscal = _build.fiscal(settings.fiscal)
            printer = _build.printer(settings.printer, data_dir)
            terminal = _build.terminal(settings.terminal, data_dir)
        except Exception:
            if emulators is not None:
                emulators.stop()
            raise
        drawer = _build.drawer(printer, settings) if printer is not None else None
        coordinators: list[DeviceCoordinator] = []
        if fiscal is not None:
            coordinators.append(
                FiscalCoordinator(
                    fiscal,
                    poll_seconds=settings.fiscal.poll_seconds,
                    shift_warning=timedelta(minutes=shift_warning_minutes),
                    ofd_warning=timedelta(days=ofd_warning_days),
                )
            )
        if printer is not None:
            coordinators.append(PrinterCoordinator(printer, poll_seconds=settings.printer.poll_seconds))
        if terminal is not None:
            coordinators.append(TerminalCoordinator(terminal, poll_seconds=settings.terminal.poll_seconds))
        return cls(
            fiscal=fiscal,
            printer=printer,
            terminal=terminal,
            drawer=drawer,
            coordinators=coordinators,
            emulators=emulators,
        )

    # ------------------------------------------------------------------------------------- lifecycle

    async def start(self, first_poll_timeout: float = 2.0) -> None:
        """Start polling, and wait up to ``first_poll_timeout`` for every device's first answer so the
        first status the register reports is not all "unknown"; a device that is slower stays unknown."""
        if self._started:
            return
        self._started = True
        for coordinator in self.coordinators:
            await coordinator.start()
        if self.coordinators:
            waits = [asyncio.create_task(c.first_poll_done.wait()) for c in self.coordinators]
            _, pending = await asyncio.wait(waits, timeout=first_poll_timeout)
            for task in pending:
                task.cancel()

    async def stop(self) -> None:
        for coordinator in self.coordinators:
            await coordinator.stop()
        for device in (self.terminal, self.printer, self.fiscal):
            if device is not None:
                with contextlib.suppress(Exception):
                    await device.aclose()
        if self.emulators is not None:
            await asyncio.to_thread(self.emulators.stop)
        self._started = False

    # ---------------------------------------------------------------------------------------- health

    def health(self) -> list[DeviceHealth]:
        return [coordinator.health() for coordinator in self.coordinators]

    def states(self) -> list[DeviceState]:
        return [coordinator.state for coordinator in self.coordinators]

    def coordinator(self, kind: str) -> DeviceCoordinator | None:
        return next((c for c in self.coordinators if c.kind == kind), None)

    async def refresh(self, kind: str | None = None) -> list[DeviceHealth]:
        """Poll now (every device, or one kind) and return the fresh health."""
        chosen = [c for c in self.coordinators if kind is None or c.kind == kind]
        await asyncio.gather(*(c.refresh() for c in chosen))
        return self.health()

    def wake(self, kind: str) -> None:
        """Ask a coordinator to poll soon, e.g. after an operation on its device failed."""
        coordinator = self.coordinator(kind)
        if coordinator is not None:
            coordinator.wake()

    def note_error(self, kind: str, error: DeviceError) -> None:
        """Tell the coordinator of ``kind`` that an operation failed with ``error`` (shown at once, re-polled soon)."""
        coordinator = self.coordinator(kind)
        if coordinator is not None:
            coordinator.note_error(error)

    def add_listener(self, listener: HealthListener) -> None:
        """``listener(health)`` runs whenever a device's availability or problems change."""
        for coordinator in self.coordinators:
            coordinator.add_listener(lambda state: listener(state.health()))
