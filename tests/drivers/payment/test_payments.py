"""Card operations end to end: the driver against the emulated terminal over TCP and over a pty, each
asserting what the cashier sees, what the driver reports, and what the terminal booked."""

from __future__ import annotations

import asyncio

import pytest

from drivers.base import CardOperation, CardOutcome, PaymentTerminal
from drivers.errors import DeviceBusy, DeviceUnavailable
from tests.drivers.payment.conftest import Rig

pytestmark = pytest.mark.integration


async def test_sale_approved_with_intermediate_messages(rig: Rig) -> None:
    terminal = rig.terminal()
    assert isinstance(terminal, PaymentTerminal)
    seen: list[str] = []
    result = await terminal.sale(12345, "order-1", seen.append)
    assert seen == ["Вставьте карту", "Введите PIN", "Подождите…"]
    assert result.outcome is CardOutcome.APPROVED
    assert (result.result_code, result.amount, result.trace_number, result.receipt_number) == (0, 12345, 1, 1)
    assert result.terminal_id == "52000001"
    assert result.card_pan_masked is not None and "******" in result.card_pan_masked
    assert result.auth_code is not None and len(result.auth_code) == 6
    assert result.occurred_at is not None
    assert "Сумма: 123.45 руб." in result.receipt_lines and result.receipt_lines[-1] == "ОДОБРЕНО"
    assert [t.trace for t in rig.emu.charges(12345)] == [1]
    (journaled,) = rig.driver_events("status_information")
    assert (journaled["trace"], journaled["amount"], journaled["result_code"]) == (1, 12345, 0)


async def test_english_status_texts(tcp_rig: Rig) -> None:
    seen: list[str] = []
    await tcp_rig.terminal(language="en").sale(100, "order-1", seen.append)
    assert seen == ["Insert card", "Enter PIN", "Please wait…"]


async def test_decline_by_error_pattern(rig: Rig) -> None:
    rig.emu.configure(error_pattern=r"13$", decline_code=0x05)
    terminal = rig.terminal()
    declined = await terminal.sale(1013, "order-1")
    assert declined.outcome is CardOutcome.DECLINED
    assert declined.result_code == 0x05
    assert declined.receipt_number is None
    assert "ОТКАЗ, КОД 05" in declined.receipt_lines
    approved = await terminal.sale(1000, "order-2")
    assert approved.outcome is CardOutcome.APPROVED
    assert rig.emu.charges(1013) == [] and len(rig.emu.charges(1000)) == 1


async def test_fixed_outcome_and_success_rate(tcp_rig: Rig) -> None:
    terminal = tcp_rig.terminal()
    tcp_rig.emu.configure(outcome="decline")
    assert (await terminal.sale(500, "a")).outcome is CardOutcome.DECLINED
    tcp_rig.emu.configure(outcome=None, success_rate=0.0)
    assert (await terminal.sale(500, "b")).outcome is CardOutcome.DECLINED
    tcp_rig.emu.configure(success_rate=1.0)
    assert (await terminal.sale(500, "c")).outcome is CardOutcome.APPROVED


async def test_refund(rig: Rig) -> None:
    rig.emu.configure(outcome="decline", auto_approve_refunds=True)
    result = await rig.terminal().refund(2500, "refund-1")
    assert result.outcome is CardOutcome.APPROVED
    assert result.operation is CardOperation.REFUND
    assert result.receipt_lines[0] == "ВОЗВРАТ ПО КАРТЕ"
    (booked,) = rig.emu.journal().transactions
    assert (booked.kind, booked.amount, booked.approved) == ("refund", 2500, True)


async def test_reversal_by_receipt_number(rig: Rig) -> None:
    terminal = rig.terminal()
    sale = await terminal.sale(4200, "order-1")
    assert sale.receipt_number is not None
    reversal = await terminal.reverse(sale.receipt_number, 4200, "order-1-cancel")
    assert reversal.outcome is CardOutcome.APPROVED
    assert reversal.operation is CardOperation.REVERSAL
    assert reversal.amount == 4200 and reversal.trace_number == sale.trace_number + 1  # type: ignore[operator]
    original = next(t for t in rig.emu.journal().transactions if t.receipt_number == sale.receipt_number)
    assert original.reversed
    again = await terminal.reverse(sale.receipt_number, 4200, "order-1-cancel-again")
    assert (again.outcome, again.result_code) == (CardOutcome.DECLINED, 0xB4)
    unknown = await terminal.reverse(999, 100, "nothing")
    assert (unknown.outcome, unknown.result_code) == (CardOutcome.DECLINED, 0xB5)


async def test_end_of_day_totals_equal_the_batch(rig: Rig) -> None:
    terminal = rig.terminal()
    rig.emu.configure(error_pattern=r"13$")
    await terminal.sale(1000, "a")
    await terminal.sale(2550, "b")
    await terminal.sale(7013, "declined")
    reversed_sale = await terminal.sale(700, "c")
    assert reversed_sale.receipt_number is not None
    await terminal.reverse(reversed_sale.receipt_number, 700, "c-cancel")
    await terminal.refund(500, "d")
    batch = rig.emu.journal().open_batch()
    expected = sum(t.signed_amount for t in batch)
    report = await terminal.end_of_day()
    assert report.ok and report.result_code == 0
    assert report.total == expected == 1000 + 2550 - 500
    assert report.count == 3
    assert "СВЕРКА ИТОГОВ" in report.receipt_lines
    assert rig.emu.journal().closures[-1].total == expected
    empty = await terminal.end_of_day()
    assert (empty.total, empty.count) == (0, 0)


async def test_slow_end_of_day_kept_alive_by_intermediate_status(tcp_rig: Rig) -> None:
    tcp_rig.emu.configure(eod_delay=1.2)
    await tcp_rig.terminal().sale(300, "a")
    report = await tcp_rig.terminal(t4=0.6).end_of_day()  # T4 restarts with every "please wait"
    assert report.ok and report.total == 300


async def test_abort_honoured_before_the_card(rig: Rig) -> None:
    rig.emu.configure(delay=1.5)  # the terminal waits 0.5 s for the card: time for the abort to land
    terminal = rig.terminal()
    loop = asyncio.get_running_loop()
    aborts: list[asyncio.Task[None]] = []

    def on_status(text: str) -> None:
        if text == "Вставьте карту":
            aborts.append(loop.create_task(terminal.abort()))

    result = await terminal.sale(900, "order-1", on_status)
    await asyncio.gather(*aborts)
    assert (result.outcome, result.result_code) == (CardOutcome.DECLINED, 0x6C)
    assert rig.emu.charges() == [] and rig.emu.journal().trace == 0


async def test_abort_ignored_terminal_verdict_wins(rig: Rig) -> None:
    rig.emu.configure(delay=0.9, ignore_abort=True)
    terminal = rig.terminal()
    loop = asyncio.get_running_loop()
    aborts: list[asyncio.Task[None]] = []

    def on_status(text: str) -> None:
        if text == "Вставьте карту":
            aborts.append(loop.create_task(terminal.abort()))

    result = await terminal.sale(900, "order-1", on_status)
    await asyncio.gather(*aborts)
    assert aborts, "the abort was sent"
    assert result.outcome is CardOutcome.APPROVED
    assert len(rig.emu.charges(900)) == 1


async def test_busy_terminal_refuses_and_charges_nothing(rig: Rig) -> None:
    rig.emu.configure(busy=True)
    terminal = rig.terminal()
    with pytest.raises(DeviceBusy) as refused:
        await terminal.sale(800, "order-1")
    assert refused.value.code == 0x9C
    assert rig.emu.charges() == []
    rig.emu.configure(busy=False)
    assert (await terminal.sale(800, "order-1")).outcome is CardOutcome.APPROVED


async def test_driver_refuses_a_second_operation_meanwhile(tcp_rig: Rig) -> None:
    tcp_rig.emu.configure(delay=0.6)
    terminal = tcp_rig.terminal()
    first = asyncio.create_task(terminal.sale(100, "a"))
    await asyncio.sleep(0.1)
    status = await terminal.status()  # answered without touching the wire: the terminal is master now
    assert status.ready and "операция" in status.message
    with pytest.raises(DeviceBusy):
        await terminal.sale(200, "b")
    assert (await first).outcome is CardOutcome.APPROVED
    assert [t.amount for t in tcp_rig.emu.charges()] == [100]


async def test_fragmented_tcp_writes(tcp_rig: Rig) -> None:
    tcp_rig.emu.configure(fragment=True)
    seen: list[str] = []
    result = await tcp_rig.terminal().sale(31337, "order-1", seen.append)
    assert result.outcome is CardOutcome.APPROVED
    assert len(seen) == 3 and result.receipt_lines[-1] == "ОДОБРЕНО"
    assert result.card_pan_masked is not None


async def test_duplicated_status_information_processed_once(rig: Rig) -> None:
    rig.emu.configure(duplicate_status=True)
    result = await rig.terminal().sale(5000, "order-1")
    assert result.outcome is CardOutcome.APPROVED
    assert len(rig.driver_events("status_information")) == 1
    assert len(rig.emu.charges(5000)) == 1


async def test_status_enquiry(rig: Rig) -> None:
    status = await rig.terminal().status()
    assert status.ready and status.terminal_id == "52000001" and status.message == "Готов"


async def test_print_lines_when_text_blocks_are_not_allowed(tcp_rig: Rig) -> None:
    result = await tcp_rig.terminal(text_blocks=False).sale(100, "order-1")
    assert result.receipt_lines[0] == "ОПЛАТА ПО КАРТЕ" and result.receipt_lines[-1] == "ОДОБРЕНО"


async def test_unreachable_terminal_raises_before_sending(tcp_rig: Rig) -> None:
    terminal = tcp_rig.terminal(reconnect_attempts=2)
    tcp_rig.emu.stop()
    with pytest.raises(DeviceUnavailable):
        await terminal.sale(100, "order-1")
