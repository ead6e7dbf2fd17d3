"""Lost links: the driver answers UNKNOWN and never resends; ``resolve`` finds the true outcome from the
terminal's last receipt; the terminal's journal shows one charge per sale, whatever the fault."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from drivers.base import CardOperation, CardOutcome
from tests.drivers.payment.conftest import Rig, pending

pytestmark = pytest.mark.integration


@pytest.mark.parametrize("fault", ["drop_before_status_ack", "drop_after_status_ack"])
async def test_link_lost_after_the_terminal_completed(rig: Rig, fault: str) -> None:
    terminal = rig.terminal()
    earlier = await terminal.sale(1000, "order-0")
    assert earlier.trace_number is not None
    rig.emu.configure(**{fault: True})

    lost = await terminal.sale(2500, "order-1")

    assert lost.outcome is CardOutcome.UNKNOWN
    assert len(rig.emu.charges(2500)) == 1  # the terminal did charge
    resolved = await terminal.resolve(pending(2500, earlier.trace_number))
    assert resolved.outcome is CardOutcome.APPROVED
    assert resolved.trace_number == earlier.trace_number + 1
    assert resolved.receipt_number == rig.emu.charges(2500)[0].receipt_number
    assert resolved.card_pan_masked is not None
    assert len(rig.emu.charges(2500)) == 1  # and resolving did not charge again
    assert len(rig.emu.charges()) == 2


async def test_status_information_journaled_before_the_ack(rig: Rig) -> None:
    rig.emu.configure(drop_after_status_ack=True)
    lost = await rig.terminal().sale(2500, "order-1")
    assert lost.outcome is CardOutcome.UNKNOWN
    assert lost.trace_number == 1  # what arrived before the loss is kept for the cashier
    assert lost.result_code is None  # but no verdict: the terminal may still undo it
    (journaled,) = rig.driver_events("status_information")
    assert (journaled["trace"], journaled["result_code"]) == (1, 0)


async def test_declined_sale_lost_resolves_declined(rig: Rig) -> None:
    terminal = rig.terminal()
    earlier = await terminal.sale(1000, "order-0")
    rig.emu.configure(error_pattern=r"13$", drop_after_status_ack=True)
    lost = await terminal.sale(2513, "order-1")
    assert lost.outcome is CardOutcome.UNKNOWN
    resolved = await terminal.resolve(pending(2513, earlier.trace_number))
    assert (resolved.outcome, resolved.result_code) == (CardOutcome.DECLINED, 0x05)
    assert rig.emu.charges(2513) == []


async def test_command_lost_resolves_not_performed_then_retry_charges_once(rig: Rig) -> None:
    terminal = rig.terminal()
    earlier = await terminal.sale(1000, "order-0")
    rig.emu.configure(drop_on_command=True)
    lost = await terminal.sale(2500, "order-1")
    assert lost.outcome is CardOutcome.UNKNOWN
    assert rig.emu.charges(2500) == []

    resolved = await terminal.resolve(pending(2500, earlier.trace_number))
    assert resolved.outcome is CardOutcome.DECLINED
    assert resolved.message == "not performed"

    retried = await terminal.sale(2500, "order-1")
    assert retried.outcome is CardOutcome.APPROVED
    assert len(rig.emu.charges(2500)) == 1


async def test_resolve_without_a_known_trace_matches_amount_and_time(tcp_rig: Rig) -> None:
    terminal = tcp_rig.terminal()
    tcp_rig.emu.configure(drop_before_status_ack=True)
    started = datetime.now(UTC) - timedelta(seconds=1)
    assert (await terminal.sale(3300, "order-1")).outcome is CardOutcome.UNKNOWN
    task = pending(3300, None)
    resolved = await terminal.resolve(task.__class__(**{**_fields(task), "started_at": started}))
    assert resolved.outcome is CardOutcome.APPROVED
    other_amount = await terminal.resolve(pending(9900, None))
    assert other_amount.outcome is CardOutcome.UNKNOWN
    assert len(tcp_rig.emu.charges(3300)) == 1


async def test_another_transaction_after_ours_stays_unknown(tcp_rig: Rig) -> None:
    terminal = tcp_rig.terminal()
    await terminal.sale(1000, "order-0")
    await terminal.sale(2000, "someone-else")
    resolved = await terminal.resolve(pending(1500, 0))
    assert resolved.outcome is CardOutcome.UNKNOWN


async def test_lost_refund_resolves(rig: Rig) -> None:
    terminal = rig.terminal()
    earlier = await terminal.sale(1000, "order-0")
    rig.emu.configure(drop_before_status_ack=True)
    assert (await terminal.refund(1000, "refund-1")).outcome is CardOutcome.UNKNOWN
    resolved = await terminal.resolve(pending(1000, earlier.trace_number, CardOperation.REFUND))
    assert resolved.outcome is CardOutcome.APPROVED and resolved.operation is CardOperation.REFUND
    assert [t.kind for t in rig.emu.journal().transactions] == ["sale", "refund"]


async def test_resolve_with_the_terminal_gone_is_unknown(tcp_rig: Rig) -> None:
    terminal = tcp_rig.terminal(reconnect_attempts=2)
    tcp_rig.emu.stop()
    resolved = await terminal.resolve(pending(100, 0))
    assert resolved.outcome is CardOutcome.UNKNOWN
    assert "check the terminal" in resolved.message


async def test_restart_keeps_repeat_receipt_and_end_of_day_consistent(tcp_rig: Rig) -> None:
    terminal = tcp_rig.terminal()
    first = await terminal.sale(1100, "a")
    second = await terminal.sale(2200, "b")
    tcp_rig.restart()

    repeated = await terminal.repeat_last()  # the old connection is dead: the driver reconnects
    assert repeated is not None
    assert (repeated.trace_number, repeated.receipt_number, repeated.amount) == (
        second.trace_number,
        second.receipt_number,
        2200,
    )
    assert repeated.receipt_lines[0] == "КОПИЯ"
    third = await terminal.sale(3300, "c")
    assert third.trace_number == second.trace_number + 1  # type: ignore[operator]
    assert third.receipt_number == second.receipt_number + 1  # type: ignore[operator]

    tcp_rig.restart()
    assert first.receipt_number is not None
    await terminal.reverse(first.receipt_number, 1100, "a-cancel")  # the batch survived too
    report = await terminal.end_of_day()
    assert (report.total, report.count) == (2200 + 3300, 2)


def _fields(task: object) -> dict[str, object]:
    return {name: getattr(task, name) for name in task.__slots__}  # type: ignore[attr-defined]
