"""Print jobs end to end through the emulator: Cyrillic round trip, pre-job refusals, job ids, lost links."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from drivers.base import PrintOutcome
from drivers.errors import CoverOpen, DeviceUnavailable, OutcomeUnknown, PaperOut
from drivers.printer.escpos.driver import EscPosPrinter
from drivers.printer.escpos.profiles import PrinterProfile
from drivers.sim.printer import PrinterEmulator
from drivers.transport import TcpTransport
from tests.drivers.printer import samples
from tests.drivers.printer.conftest import link_to, make_printer

pytestmark = pytest.mark.integration


async def test_cyrillic_round_trip(emulator: PrinterEmulator, printer: EscPosPrinter, link: str) -> None:
    result = await printer.print_text("text-1", ["Капучино 0,3 л", "Спасибо!"])
    assert result.outcome is PrintOutcome.PRINTED
    (job,) = emulator.jobs
    assert job.txt_path.read_text(encoding="utf-8") == "Капучино 0,3 л\nСпасибо!\n"
    assert job.meta["transport"] == link
    assert job.name == "0001-kapuchino-0-3-l"


async def test_receipt_is_journaled_as_text_png_and_json(emulator: PrinterEmulator, printer: EscPosPrinter) -> None:
    await printer.print_receipt(samples.receipt())
    (job,) = emulator.jobs
    text = job.txt_path.read_text(encoding="utf-8")
    assert "Капучино 0,3 л" in text and "=535,00" in text and f"[QR] {samples.FISCAL_QR}" in text
    assert job.png_path is not None and job.png_path.read_bytes().startswith(b"\x89PNG")
    meta = json.loads(job.json_path.read_text(encoding="utf-8"))
    assert meta["cut"] == "partial" and meta["code_pages"] == [17] and meta["qr"] == [samples.FISCAL_QR]


async def test_kitchen_ticket_round_trip(emulator: PrinterEmulator, printer: EscPosPrinter) -> None:
    await printer.print_kitchen_ticket(samples.kitchen_ticket())
    (job,) = emulator.jobs
    assert "№42" in job.text and "С СОБОЙ" in job.text and "   ! очень горячий" in job.text
    assert job.meta["lines"][0]["width"] == 3  # type: ignore[index]


@pytest.mark.parametrize(
    ("state", "error"),
    [({"paper": "out"}, PaperOut), ({"cover_open": True}, CoverOpen), ({"online": False}, DeviceUnavailable)],
)
async def test_printer_not_ready_refuses_before_sending(
    state: dict[str, object], error: type[Exception], emulator: PrinterEmulator, printer: EscPosPrinter
) -> None:
    emulator.set_state(**state)  # type: ignore[arg-type]
    with pytest.raises(error):
        await printer.print_receipt(samples.receipt())
    assert emulator.jobs == [] and emulator.dropped_bytes == 0  # not one byte of the job went out
    emulator.set_state(paper="ok", cover_open=False, online=True)
    assert (await printer.print_receipt(samples.receipt())).outcome is PrintOutcome.PRINTED  # nothing recorded


async def test_silent_printer_is_unavailable(emulator: PrinterEmulator, printer: EscPosPrinter) -> None:
    emulator.set_state(replies="silent")
    with pytest.raises(DeviceUnavailable):
        await printer.print_text("t", ["x"])
    assert emulator.jobs == []


async def test_the_same_job_id_prints_once(emulator: PrinterEmulator, printer: EscPosPrinter) -> None:
    first = await printer.print_receipt(samples.receipt("receipt-7"))
    second = await printer.print_receipt(samples.receipt("receipt-7"))
    assert (first.outcome, second.outcome) == (PrintOutcome.PRINTED, PrintOutcome.ALREADY_PRINTED)
    assert len(emulator.jobs) == 1


async def test_printed_job_ids_survive_a_restart(
    emulator: PrinterEmulator, profile_80: PrinterProfile, tmp_path: Path
) -> None:
    store = tmp_path / "jobs.jsonl"
    before = make_printer(link_to(emulator, "tcp"), profile_80, job_store_path=store)
    await before.print_text("shift-report-3", ["Смена 3 закрыта"])
    await before.aclose()
    after = make_printer(link_to(emulator, "tcp"), profile_80, job_store_path=store)
    assert (await after.print_text("shift-report-3", ["Смена 3 закрыта"])).outcome is PrintOutcome.ALREADY_PRINTED
    await after.aclose()
    assert len(emulator.jobs) == 1


async def test_link_lost_during_a_job_is_unknown_and_never_replayed(
    emulator: PrinterEmulator, printer: EscPosPrinter
) -> None:
    emulator.set_state(fault="power_loss_on_job")
    with pytest.raises(OutcomeUnknown):
        await printer.print_receipt(samples.receipt("receipt-9"))
    emulator.set_state(replies="normal")  # the printer is back
    dropped = emulator.dropped_bytes
    with pytest.raises(OutcomeUnknown):  # the same id again: refused without sending anything
        await printer.print_receipt(samples.receipt("receipt-9"))
    assert emulator.jobs == [] and emulator.dropped_bytes == dropped
    assert (await printer.print_receipt(samples.receipt("receipt-9-reprint"))).outcome is PrintOutcome.PRINTED
    assert len(emulator.jobs) == 1


async def test_reconnects_after_the_printer_restarts(
    tmp_path: Path, profile_80: PrinterProfile, emulator: PrinterEmulator
) -> None:
    first = PrinterEmulator(tmp_path / "a", tcp_port=0, admin_port=None).start()
    port = first.port
    assert port is not None
    printer = make_printer(TcpTransport("127.0.0.1", port, connect_timeout=1.0), profile_80)
    try:
        await printer.print_text("before", ["до"])
        first.stop()
        with PrinterEmulator(tmp_path / "b", tcp_port=port, admin_port=None) as second:
            assert (await printer.print_text("after", ["после"])).outcome is PrintOutcome.PRINTED
            assert [job.text for job in second.jobs] == ["после\n"]
    finally:
        first.stop()
        await printer.aclose()


async def test_58mm_printer_without_cutter(
    emulator: PrinterEmulator, profile_58: PrinterProfile, tmp_path: Path
) -> None:
    with PrinterEmulator(tmp_path / "58", tcp_port=0, admin_port=None, profile=profile_58) as narrow:
        printer = make_printer(link_to(narrow, "tcp"), profile_58)
        await printer.print_receipt(samples.receipt())
        await printer.aclose()  # no cut: the job ends when the link closes
        (job,) = narrow.wait_for_jobs(1)
    assert job.meta["cut"] is None
    lines = job.text.splitlines()
    assert max(len(line) for line in lines if not line.startswith("[QR]")) == 32
    assert "Круассан с миндальным кремом и" in lines
