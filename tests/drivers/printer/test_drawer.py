"""The cash drawer on the printer's kick-out connector, as the emulator sees it."""

from __future__ import annotations

import pytest

from drivers.errors import PaperOut
from drivers.printer.escpos.driver import EscPosCashDrawer, EscPosPrinter
from drivers.printer.escpos.profiles import PrinterProfile
from drivers.sim._printer_model import DrawerKick
from drivers.sim.printer import PrinterEmulator
from tests.drivers.printer import samples
from tests.drivers.printer.conftest import link_to, make_printer

pytestmark = pytest.mark.integration


async def test_drawer_open_sends_one_kick_and_status_shows_it_open(
    emulator: PrinterEmulator, printer: EscPosPrinter
) -> None:
    assert (await printer.status()).drawer_open is False
    await EscPosCashDrawer(printer).open()
    assert emulator.drawer_kicks == [DrawerKick(pin=2, on_ms=100, off_ms=200)]
    assert emulator.jobs == []  # a kick alone is not a print job
    assert (await printer.status()).drawer_open is True


async def test_drawer_on_pin_5(emulator: PrinterEmulator, printer: EscPosPrinter) -> None:
    await EscPosCashDrawer(printer, pin=5).open()
    assert [kick.pin for kick in emulator.drawer_kicks] == [5]


async def test_receipt_with_open_drawer_records_the_kick(emulator: PrinterEmulator, printer: EscPosPrinter) -> None:
    await printer.print_receipt(samples.receipt(open_drawer=True))
    (job,) = emulator.jobs
    assert job.meta["drawer_kicks"] == [{"pin": 2, "on_ms": 100, "off_ms": 200}]
    assert len(emulator.drawer_kicks) == 1


async def test_drawer_does_not_kick_while_the_printer_is_out_of_paper(
    emulator: PrinterEmulator, printer: EscPosPrinter
) -> None:
    emulator.set_state(paper="out")
    with pytest.raises(PaperOut):
        await EscPosCashDrawer(printer).open()
    assert emulator.drawer_kicks == []


async def test_pin_not_wired_in_the_profile_is_refused(emulator: PrinterEmulator, profile_58: PrinterProfile) -> None:
    printer = make_printer(link_to(emulator, "tcp"), profile_58)
    with pytest.raises(ValueError, match="pin 5"):
        await EscPosCashDrawer(printer, pin=5).open()
    await printer.aclose()
    assert emulator.drawer_kicks == []


def test_driver_classes_satisfy_the_device_protocols(profile_80: PrinterProfile) -> None:
    from drivers import printer as printer_package
    from drivers.base import CashDrawer, ReceiptPrinter
    from drivers.transport import TcpTransport

    assert printer_package.EscPosPrinter is EscPosPrinter  # the package's lazy names resolve
    driver = EscPosPrinter(TcpTransport("127.0.0.1"), profile_80)
    assert isinstance(driver, ReceiptPrinter)
    assert isinstance(EscPosCashDrawer(driver), CashDrawer)
