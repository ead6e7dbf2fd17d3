"""The ZVT card terminal: the driver built from settings, and (demo) the emulator it talks to over TCP."""

from __future__ import annotations

from pathlib import Path

from drivers.base import PaymentTerminal
from drivers.payment.zvt import SerialEndpoint, TcpEndpoint, ZvtTerminal
from drivers.sim.zvt import ZvtEmulator
from edge.devices.config import TerminalSettings

TerminalEmulator = ZvtEmulator


def build_terminal(settings: TerminalSettings, data_dir: Path) -> PaymentTerminal | None:
    if settings.kind == "none":
        return None
    endpoint: TcpEndpoint | SerialEndpoint
    if settings.kind == "zvt-tcp":
        endpoint = TcpEndpoint(settings.host, settings.port)
    else:
        endpoint = SerialEndpoint(settings.device, settings.baudrate)
    journal = data_dir / "devices" / f"{settings.device_id}-journal.jsonl"
    journal.parent.mkdir(parents=True, exist_ok=True)
    return ZvtTerminal(endpoint, password=settings.password, device_id=settings.device_id, journal_path=journal)


def start_terminal_emulator(root: Path, password: str) -> TerminalEmulator:
    emulator = ZvtEmulator(root, port=0, password=password)
    emulator.start()
    return emulator


def terminal_urls(emulator: TerminalEmulator) -> dict[str, str | None]:
    return {"terminal": f"tcp://{emulator.host}:{emulator.port}", "terminal_admin": emulator.admin_url}
