"""Device settings of a register: which fiscal registrar, receipt printer and card terminal it drives,
and over which transport. Every device defaults to ``none`` so a bare config starts a box with no devices.
"""

from __future__ import annotations

from typing import Literal

import msgspec


class FiscalSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["atol", "none"] = "none"
    url: str = "http://127.0.0.1:16732"
    """ATOL Web Server base URL (``yago sim atol`` listens on the same API)."""
    device_id: str = "fiscal-1"
    username: str | None = None
    """Web Server basic-auth login, when the Web Server has one configured."""
    password: str | None = None
    payments_address: str | None = None
    """Overrides the registration's settlement address (tag 1009) when set."""
    poll_seconds: float = 5.0


class PrinterSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["escpos-tcp", "escpos-serial", "escpos-usb", "none"] = "none"
    host: str = "127.0.0.1"
    port: int = 9100
    device: str = ""
    """Serial port path (``/dev/ttyUSB0``) or USB ``vendor:product`` in hex (``04b8:0202``)."""
    baudrate: int = 19200
    profile: str = "generic-80mm"
    """Capability profile name (paper width, code page, cutter)."""
    device_id: str = "printer-1"
    poll_seconds: float = 5.0


class TerminalSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    kind: Literal["zvt-tcp", "zvt-serial", "none"] = "none"
    host: str = "127.0.0.1"
    port: int = 20007
    device: str = ""
    """Serial port path for ``zvt-serial``."""
    baudrate: int = 9600
    password: str = "000000"
    """The terminal's ZVT password (six digits), sent in Registration."""
    device_id: str = "terminal-1"
    poll_seconds: float = 15.0


class DeviceSettings(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    fiscal: FiscalSettings = msgspec.field(default_factory=FiscalSettings)
    printer: PrinterSettings = msgspec.field(default_factory=PrinterSettings)
    terminal: TerminalSettings = msgspec.field(default_factory=TerminalSettings)
    drawer_via_printer: bool = False
    """The cash drawer hangs off the receipt printer's kick-out port."""
