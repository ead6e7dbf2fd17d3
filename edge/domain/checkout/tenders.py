"""Taking a tender: cash (with change), loyalty points, or card through the terminal; split payments
until the order is paid in full, then fiscalization. Idempotent by ``Idempotency-Key`` or ``payment_id``.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import bindparam, insert, or_, select

from drivers.base import CardOutcome, PaymentTerminal
from drivers.errors import DeviceError
from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Query, RowUpdate, Tx
from edge.domain.auth.services import Actor
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, last_trace, order_row, remember_problem, timed
from edge.domain.checkout.card import commit_sale_result, fetch_entry, resolve_unknown, run_terminal, sale_problem
from edge.domain.checkout.fiscal import Prepared, fiscal_baseline, fiscalize, journal_sell
from edge.domain.checkout.schemas import PayIn, PayOut
from edge.domain.orders.repo import OrderRecord, fetch_order, order_out, payment_out, payment_record, touch
from edge.domain.orders.services import open_shift_id
from edge.domain.runtime import Runtime
from edge.problems import Problem, conflict, invalid
from protocols.events import OrderPaid
from protocols.ids import utcnow, uuid7

log = structlog.get_logger("edge.checkout")
PAYABLE = frozenset({"draft", "paying"})


_PAYMENT_BY_KEY = Query(
    select(m.payments.c.id, m.payments.c.order_id).where(
        or_(m.payments.c.idempotency_key == bindparam("key"), m.payments.c.id == bindparam("payment_id"))
    )
)
_PAYMENT = Query(select(m.payments).where(m.payments.c.id == bindparam("payment_id")))
_INSERT_PAYMENT = Query(insert(m.payments))
_update_payment = RowUpdate(m.payments, "id")


def _existing(tx: Tx, order_id: str, key: str | None, payment_id: uuid.UUID | None) -> str | None:
    if not key and not payment_id:
        return None
    row = tx.first(_PAYMENT_BY_KEY, {"key": key, "payment_id": str(payment_id) if payment_id else None})
    if row is None:
        return None
    if row.order_id != order_id:
        raise conflict(
            "idempotency_conflict", "Key already used", "this Idempotency-Key or payment_id belongs to another order"
        )
    return str(row.id)


def _check_payable(rec: OrderRecord) -> None:
    if rec.status == "cancelled":
        raise conflict("order_cancelled", "The order is cancelled", f"order {rec.row.number} cannot be paid")
    if rec.row.lock_reason:
        raise conflict("order_locked", "The order is locked", rec.row.lock_reason)
    if rec.status not in PAYABLE:
        raise conflict("already_paid", "The order is already paid", f"order {rec.row.number} is {rec.status}")
    if not rec.lines or rec.row.total <= 0:
        raise invalid("empty_order", "Nothing to pay", "the order has no lines to pay for")


async def _result(rt: Runtime, order_id: str, payment_id: str, warnings: list[str]) -> PayOut:
    async with rt.db.read() as conn:
        rec = fetch_order(conn, order_id)
    payment = next(p for p in rec.payments if p.id == payment_id)
    return PayOut(
        order=order_out(rec, rt.card_prompts),
        payment=payment_out(payment, rt.card_prompts.get(payment_id)),
        change=payment.change if payment.status == "approved" else 0,
        fully_paid=rec.row.paid_total >= rec.row.total,
        warnings=warnings,
    )


async def pay(rt: Runtime, actor: Actor, order_id: str, data: PayIn, idempotency_key: str | None) -> PayOut:
    async with rt.order_lock(order_id):
        return await _pay_locked(rt, actor, order_id, data, idempotency_key)


async def _pay_locked(rt: Runtime, actor: Actor, order_id: str, data: PayIn, idempotency_key: str | None) -> PayOut:
    # The idempotency lookup, the checks and the payment row share one transaction: one commit, and a
    # repeated key cannot slip in between the lookup and the insert. A cash or points tender that pays the
    # order in full journals its sell in the same commit (the FN's last document number is read first).
    baseline = await fiscal_baseline(rt) if data.method != "card" else None
    prepared: Prepared | None = None
    async with rt.db.begin() as conn:
        known = _existing(conn, order_id, idempotency_key, data.payment_id)
        if known is None:
            payment_id, entry_id, prepared = await _record_payment(rt, conn, order_id, data, idempotency_key, baseline)
    if known is not None:
        return await _result(rt, order_id, known, [])
    await rt.notify_sync()
    rt.crash.hit("after_payment_journal")
    if entry_id is not None:
        terminal = rt.devices.terminal
        assert terminal is not None
        await _card_sale(rt, terminal, entry_id, payment_id)
    warnings = await _finish_if_paid(rt, order_id, prepared)
    return await _result(rt, order_id, payment_id, warnings)


async def _record_payment(
    rt: Runtime, conn: Tx, order_id: str, data: PayIn, idempotency_key: str | None, baseline: int | None
) -> tuple[str, str | None, Prepared | None]:
    """Check the order, insert the payment and (card) open its terminal journal entry, or (the order now
    paid in full, ``baseline`` known) journal the sell; the payment's id, the terminal row's, the sell."""
    now = utcnow()
    rec = fetch_order(conn, order_id)
    _check_payable(rec)
    if open_shift_id(conn) is None:
        raise conflict("shift_closed", "No open shift", "Open a shift before taking payments")
    amount = data.amount if data.amount is not None else rec.due
    if amount > rec.due:
        raise invalid("overpayment", "More than is due", f"{amount} is above the {rec.due} still due")
    tendered = None
    change = 0
    if data.method == "cash":
        tendered = data.tendered if data.tendered is not None else amount
        if tendered < amount:
            raise invalid("tendered_too_little", "Not enough cash", f"tendered {tendered} is below {amount}")
        change = tendered - amount
    elif data.tendered is not None:
        raise invalid("tendered_not_cash", "Tendered is for cash", "only a cash payment has a tendered amount")
    if data.method == "card" and rt.devices.terminal is None:
        raise Problem(503, "unavailable", "No card terminal", "The register has no card terminal configured")
    payment_id = str(data.payment_id or uuid7())
    card = data.method == "card"
    conn.run(
        _INSERT_PAYMENT,
        {
            "id": payment_id,
            "order_id": order_id,
            "method": data.method,
            "amount": amount,
            "tendered": tendered,
            "change": change,
            "status": "pending" if card else "approved",
            "idempotency_key": idempotency_key,
            "created_at": now,
            "updated_at": now,
        },
    )
    if card:
        entry_id = journal.open_entry(
            conn,
            device="terminal",
            kind="sale",
            request_id=payment_id,
            order_id=order_id,
            payment_id=payment_id,
            amount=amount,
            last_known_trace=_trace_baseline(conn),
        )
        touch(conn, order_id, status="paying")
        return payment_id, entry_id, None
    paid_total = rec.row.paid_total + amount
    fully = paid_total >= rec.row.total
    touch(conn, order_id, paid_total=paid_total, status="paid" if fully else "paying", last_problem=None)
    paid = conn.one(_PAYMENT, {"payment_id": payment_id})
    append_event(
        conn,
        OrderPaid(
            **header(now),
            order_id=uuid.UUID(order_id),
            payment=payment_record(paid),
            paid_total=paid_total,
            fully_paid=fully,
        ),
    )
    prepared = journal_sell(rt, conn, order_id, baseline) if fully and baseline is not None else None
    return payment_id, None, prepared


def _trace_baseline(conn: Tx) -> int | None:
    """The terminal's last trace before this sale, so a lost outcome can be told apart later.

    Known from our own last result; None before the first one (the terminal then matches by amount and
    time). Not asked of the terminal before every sale: a repeat-receipt prints on some terminals."""
    return last_trace(conn)


async def _card_sale(rt: Runtime, terminal: PaymentTerminal, entry_id: str, payment_id: str) -> None:
    async with rt.db.begin() as conn:
        entry = fetch_entry(conn, entry_id)
    try:
        with timed(rt, "card_sale"), rt.metrics.saga_step.labels(step="card").time():
            result = await run_terminal(rt, terminal, entry, payment_id)
    except DeviceError as exc:
        # refused before the terminal took the amount (no link, busy): nothing was charged
        rt.card_prompts.pop(payment_id, None)
        problem = device_failed(rt, "terminal", exc, "card payment")
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
            rec = fetch_order(conn, entry.order_id)
            _update_payment(conn, payment_id, {"status": "failed", "detail": exc.message, "updated_at": utcnow()})
            touch(conn, entry.order_id, status="paying" if rec.row.paid_total else "draft")
        await remember_problem(rt, entry.order_id, problem)
        raise problem from exc
    if result.outcome is CardOutcome.APPROVED:
        rt.crash.hit("after_card_approval")
    if result.outcome is CardOutcome.UNKNOWN:
        result = await resolve_unknown(rt, terminal, entry)
    status = await commit_sale_result(rt, entry, result, rt.card_prompts.pop(payment_id, []))
    await rt.notify_sync()
    refused = sale_problem(status, result)
    if refused is not None:
        await remember_problem(rt, entry.order_id, refused)
        raise refused


async def _finish_if_paid(rt: Runtime, order_id: str, prepared: Prepared | None = None) -> list[str]:
    if prepared is None:
        async with rt.db.read() as conn:
            row = order_row(conn, order_id)
        if row.status != "paid":
            return []
    warnings = await fiscalize(rt, order_id, prepared)
    await rt.notify_sync()
    return warnings
