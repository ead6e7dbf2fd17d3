"""Drivers built from device settings: the ATOL registrar, the ESC/POS printer and its drawer, the ZVT terminal."""

from __future__ import annotations

from pathlib import Path

from drivers.base import CashDrawer, FiscalRegistrar, PaymentTerminal, ReceiptPrinter
from drivers.fiscal.atol import AtolWebServerRegistrar
from drivers.printer.escpos.driver import EscPosCashDrawer, EscPosPrinter
from drivers.printer.escpos.profiles import PrinterProfile, load_profile
from drivers.transport import SerialTransport, TcpTransport, Transport, UsbTransport
from edge.devices._guard import GuardedTerminal
from edge.devices._terminal import build_terminal
from edge.devices.config import DeviceSettings, FiscalSettings, PrinterSettings, TerminalSettings

GENERIC_PROFILE = "generic-80mm"


def fiscal(settings: FiscalSettings) -> FiscalRegistrar | None:
    if settings.kind == "none":
        return None
    auth = (settings.username, settings.password or "") if settings.username else None
    return AtolWebServerRegistrar(
        settings.url, device_id=settings.device_id, payments_address=settings.payments_address, auth=auth
    )


def _profile(name: str) -> PrinterProfile:
    try:
        return load_profile(name)
    except FileNotFoundError:
        if name in (GENERIC_PROFILE, "default"):
            return PrinterProfile(name=GENERIC_PROFILE)
        raise


def _usb_ids(device: str) -> tuple[int, int]:
    try:
        vendor, product = device.split(":")
        return int(vendor, 16), int(product, 16)
    except ValueError:
        raise ValueError(f"printer.device {device!r}: USB printers are given as vendor:product in hex") from None


def _printer_transport(settings: PrinterSettings) -> Transport:
    if settings.kind == "escpos-tcp":
        return TcpTransport(settings.host, settings.port)
    if settings.kind == "escpos-serial":
        return SerialTransport(settings.device, settings.baudrate)
    vendor, product = _usb_ids(settings.device)
    return UsbTransport(vendor, product)


def printer(settings: PrinterSettings, data_dir: Path) -> EscPosPrinter | None:
    if settings.kind == "none":
        return None
    jobs = data_dir / "devices" / f"{settings.device_id}-jobs.jsonl"
    jobs.parent.mkdir(parents=True, exist_ok=True)
    return EscPosPrinter(
        _printer_transport(settings), _profile(settings.profile), device_id=settings.device_id, job_store_path=jobs
    )


def drawer(device: ReceiptPrinter, settings: DeviceSettings) -> CashDrawer | None:
    if not settings.drawer_via_printer or not isinstance(device, EscPosPrinter):
        return None
    return EscPosCashDrawer(device)


def terminal(settings: TerminalSettings, data_dir: Path) -> PaymentTerminal | None:
    device = build_terminal(settings, data_dir)
    return GuardedTerminal(device) if device is not None else None
