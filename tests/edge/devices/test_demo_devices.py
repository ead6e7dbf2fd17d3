"""Device health as the coordinators see it, with faults injected into the emulators over their own
admin endpoints and the drivers talking to them over HTTP and TCP."""

from __future__ import annotations

from pathlib import Path

import httpx
import pytest

from drivers.base import Operator
from edge.devices import DeviceManager, DeviceSettings
from protocols.events import DeviceHealth

pytestmark = pytest.mark.integration

CASHIER = Operator(name="Кассир Иванова")


def by_kind(health: list[DeviceHealth]) -> dict[str, DeviceHealth]:
    return {h.kind: h for h in health}


async def test_demo_mode_starts_every_device_online(demo: DeviceManager) -> None:
    health = by_kind(await demo.refresh())
    assert demo.fiscal is not None and demo.printer is not None and demo.drawer is not None
    assert health["fiscal"].online is True and health["fiscal"].problems == []
    assert health["printer"].online is True and health["printer"].problems == []
    assert health["terminal"].online is True and health["terminal"].problems == []
    assert demo.emulators is not None
    urls = demo.emulators.urls()
    assert urls["atol"] and urls["printer_admin"] and urls["terminal"] and urls["terminal_admin"]


async def test_the_demo_terminal_takes_a_card_payment_over_zvt(demo: DeviceManager) -> None:
    assert demo.terminal is not None and demo.emulators is not None and demo.emulators.terminal is not None
    result = await demo.terminal.sale(35000, reference="order-1")
    assert result.outcome.value == "approved"
    assert [t.amount for t in demo.emulators.terminal.charges()] == [35000]


async def test_a_demo_terminal_that_goes_away_is_not_answering(demo: DeviceManager) -> None:
    assert demo.emulators is not None and demo.emulators.terminal is not None
    await demo.refresh("terminal")
    demo.emulators.terminal.stop()
    terminal = by_kind(await demo.refresh("terminal"))["terminal"]
    assert terminal.online is False
    assert "не отвечает" in terminal.detail


async def test_printer_out_of_paper_shows_in_health_with_a_cashier_message(demo: DeviceManager) -> None:
    assert demo.emulators is not None and demo.emulators.printer is not None
    admin = demo.emulators.printer.admin_url
    assert admin is not None
    async with httpx.AsyncClient() as client:
        (await client.post(admin, json={"paper": "out"})).raise_for_status()
    printer = by_kind(await demo.refresh("printer"))["printer"]
    assert printer.problems == ["paper_out"]
    assert "бумага" in printer.detail and "paper" in printer.detail
    async with httpx.AsyncClient() as client:
        (await client.post(admin, json={"paper": "ok", "cover": "open"})).raise_for_status()
    assert by_kind(await demo.refresh("printer"))["printer"].problems == ["cover_open"]


async def test_fiscal_cover_open_is_reported(demo: DeviceManager) -> None:
    assert demo.emulators is not None and demo.emulators.atol is not None
    async with httpx.AsyncClient() as client:
        url = f"{demo.emulators.atol.url}/admin/faults"
        (await client.post(url, json={"coverOpen": True})).raise_for_status()
    assert "cover_open" in by_kind(await demo.refresh("fiscal"))["fiscal"].problems


async def test_an_open_shift_nearing_24_hours_warns_with_the_hours_left(demo: DeviceManager) -> None:
    assert demo.emulators is not None and demo.emulators.atol is not None and demo.fiscal is not None
    # the registrar's clock runs 23 h behind: a shift opened "now" on it expires in an hour of real time
    demo.emulators.atol.advance_clock(-23 * 3600)
    await demo.fiscal.open_shift(CASHIER)
    fiscal = by_kind(await demo.refresh("fiscal"))["fiscal"]
    assert fiscal.problems == ["shift_expires_soon"]
    assert "1 ч" in fiscal.detail and "1 h" in fiscal.detail
    state = demo.coordinator("fiscal")
    assert state is not None and state.state.facts["shift_state"] == "opened"


async def test_a_shift_past_24_hours_must_be_closed(demo: DeviceManager) -> None:
    assert demo.emulators is not None and demo.emulators.atol is not None and demo.fiscal is not None
    await demo.fiscal.open_shift(CASHIER)
    demo.emulators.atol.advance_clock(25 * 3600)
    assert "shift_expired" in by_kind(await demo.refresh("fiscal"))["fiscal"].problems


async def test_documents_stuck_before_the_ofd_raise_a_backlog_warning(demo: DeviceManager) -> None:
    assert demo.emulators is not None and demo.emulators.atol is not None and demo.fiscal is not None
    demo.emulators.atol.set_faults(ofd_down=True)
    demo.emulators.atol.advance_clock(-4 * 86400)
    await demo.fiscal.open_shift(CASHIER)
    demo.emulators.atol.advance_clock(4 * 86400 - 25 * 3600)
    fiscal = by_kind(await demo.refresh("fiscal"))["fiscal"]
    assert "ofd_backlog" in fiscal.problems
    assert "ОФД" in fiscal.detail and "OFD" in fiscal.detail


async def test_a_device_that_stops_answering_becomes_unavailable(demo: DeviceManager) -> None:
    assert demo.emulators is not None and demo.emulators.atol is not None
    demo.emulators.atol.stop()
    fiscal = by_kind(await demo.refresh("fiscal"))["fiscal"]
    assert fiscal.online is False
    assert fiscal.problems == ["unavailable"]
    assert "не отвечает" in fiscal.detail


async def test_emulator_state_survives_an_agent_restart_on_the_same_data_dir(tmp_path: Path) -> None:
    first = DeviceManager.from_settings(DeviceSettings(), tmp_path, demo=True)
    await first.start()
    try:
        assert first.fiscal is not None
        opened = await first.fiscal.open_shift(CASHIER)
    finally:
        await first.stop()
    second = DeviceManager.from_settings(DeviceSettings(), tmp_path, demo=True)
    await second.start()
    try:
        assert second.fiscal is not None
        shift = await second.fiscal.shift_status()
        assert shift.state.value == "opened"
        assert shift.number == opened.shift_number
        assert (tmp_path / "sim" / "atol").is_dir() and (tmp_path / "sim" / "printer").is_dir()
    finally:
        await second.stop()


async def test_no_devices_configured_means_no_drivers_and_no_health(tmp_path: Path) -> None:
    manager = DeviceManager.from_settings(DeviceSettings(), tmp_path, demo=False)
    await manager.start()
    try:
        assert manager.fiscal is None and manager.printer is None and manager.terminal is None
        assert manager.emulators is None
        assert await manager.refresh() == []
    finally:
        await manager.stop()


async def test_a_configured_printer_reconnects_when_it_comes_back(tmp_path: Path) -> None:
    from drivers.sim.printer import PrinterEmulator
    from edge.devices.config import PrinterSettings
    from tests.support.net import free_port

    port = free_port()
    settings = DeviceSettings(printer=PrinterSettings(kind="escpos-tcp", host="127.0.0.1", port=port))
    manager = DeviceManager.from_settings(settings, tmp_path, demo=False)
    changes: list[DeviceHealth] = []
    manager.add_listener(changes.append)
    try:
        printer = by_kind(await manager.refresh())["printer"]
        assert printer.online is False and printer.problems == ["unavailable"]
        with PrinterEmulator(tmp_path / "printer", tcp_port=port, admin_port=None, render_png=False):
            printer = by_kind(await manager.refresh())["printer"]
            assert printer.online is True and printer.problems == []
    finally:
        await manager.stop()
    assert [h.online for h in changes] == [False, True]


async def test_an_operation_error_shows_at_once_and_the_next_poll_corrects_it(demo: DeviceManager) -> None:
    from drivers.errors import PaperOut

    await demo.refresh()
    demo.note_error("printer", PaperOut("paper end while printing"))
    assert by_kind(demo.health())["printer"].problems == ["paper_out"]
    # the printer itself says it has paper again (the cashier changed the roll)
    assert by_kind(await demo.refresh("printer"))["printer"].problems == []


async def test_a_terminal_that_does_not_answer_is_reported_to_the_cashier(tmp_path: Path) -> None:
    from edge.devices.config import TerminalSettings
    from tests.support.net import free_port

    settings = DeviceSettings(terminal=TerminalSettings(kind="zvt-tcp", host="127.0.0.1", port=free_port()))
    manager = DeviceManager.from_settings(settings, tmp_path, demo=False)
    try:
        terminal = by_kind(await manager.refresh())["terminal"]
    finally:
        await manager.stop()
    assert terminal.online is False
    assert terminal.problems == ["unavailable"]
    assert "Платёжный терминал не отвечает" in terminal.detail
    assert "The card terminal is not answering" in terminal.detail


async def test_polling_backs_off_while_a_device_is_away_and_recovers_its_pace(tmp_path: Path) -> None:
    from drivers.sim.printer import PrinterEmulator
    from edge.devices.config import PrinterSettings
    from tests.support.net import free_port

    port = free_port()
    settings = DeviceSettings(printer=PrinterSettings(kind="escpos-tcp", port=port, poll_seconds=2.0))
    manager = DeviceManager.from_settings(settings, tmp_path, demo=False)
    coordinator = manager.coordinator("printer")
    assert coordinator is not None
    try:
        pauses = []
        for _ in range(2):
            await coordinator.refresh()
            pauses.append(coordinator._next_pause())
        assert pauses == [4.0, 8.0]
        with PrinterEmulator(tmp_path / "printer", tcp_port=port, admin_port=None, render_png=False):
            await coordinator.refresh()
        assert coordinator._next_pause() == 2.0
    finally:
        await manager.stop()


async def test_status_polls_and_payments_never_trip_over_each_other(demo: DeviceManager) -> None:
    import asyncio

    assert demo.terminal is not None and demo.emulators is not None and demo.emulators.terminal is not None
    demo.emulators.terminal.configure(delay=0.3)
    _, result, _ = await asyncio.gather(
        demo.refresh("terminal"), demo.terminal.sale(1000, reference="order-2"), demo.refresh("terminal")
    )
    assert result.outcome.value == "approved"
    assert by_kind(demo.health())["terminal"].online is True
