"""Receipt printers: the ESC/POS driver, its cash drawer, layouts and per-model profiles.

Names are resolved lazily so that loading a profile (the emulator does) does not import python-escpos.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from drivers.printer.escpos.driver import EscPosCashDrawer, EscPosPrinter
    from drivers.printer.escpos.profiles import PrinterProfile, load_profile

__all__ = ["EscPosCashDrawer", "EscPosPrinter", "PrinterProfile", "load_profile"]

_WHERE = {
    "EscPosCashDrawer": "drivers.printer.escpos.driver",
    "EscPosPrinter": "drivers.printer.escpos.driver",
    "PrinterProfile": "drivers.printer.escpos.profiles",
    "load_profile": "drivers.printer.escpos.profiles",
}


def __getattr__(name: str) -> object:
    if name in _WHERE:
        return getattr(importlib.import_module(_WHERE[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
