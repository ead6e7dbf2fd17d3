"""Card operations through the terminal: journaled before they start, settled by the terminal's own
answer, and an unobserved outcome resolved only through ``terminal.resolve`` — never by charging again."""

from __future__ import annotations

import json
import uuid

import structlog
from sqlalchemy import bindparam, select

from drivers.base import CardOperation, CardOutcome, CardResult, PaymentTerminal, PendingCard
from drivers.errors import DeviceError, DeviceUnavailable, OutcomeUnknown
from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Query, Row, RowUpdate, Tx
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, remember_trace
from edge.domain.orders.repo import fetch_order, payment_record, touch
from edge.domain.runtime import Runtime
from edge.problems import Problem
from protocols.events import CardDetails, OrderPaid
from protocols.ids import utcnow

log = structlog.get_logger("edge.checkout.card")


def card_json(result: CardResult) -> str:
    details = CardDetails(
        terminal_id=result.terminal_id,
        trace_number=result.trace_number,
        receipt_number=result.receipt_number,
        auth_code=result.auth_code,
        card_pan_masked=result.card_pan_masked,
        card_type=result.card_type,
    )
    return json.dumps({f: getattr(details, f) for f in details.__struct_fields__}, ensure_ascii=False)


def pending_card(entry: Row) -> PendingCard:
    return PendingCard(
        reference=entry.request_id,
        operation=CardOperation(entry.kind),
        amount=entry.amount or 0,
        last_known_trace=entry.last_known_trace,
        started_at=entry.created_at,
    )


async def run_terminal(
    rt: Runtime, terminal: PaymentTerminal, entry: Row, prompt_key: str, receipt_number: int | None = None
) -> CardResult:
    """Drive one journaled operation; an exception that may hide a performed operation becomes UNKNOWN."""
    prompts = rt.card_prompts.setdefault(prompt_key, [])
    amount = entry.amount or 0
    op = CardOperation(entry.kind)
    try:
        if op is CardOperation.SALE:
            try:
                return await terminal.sale(amount, entry.request_id, on_status=prompts.append)
            except DeviceUnavailable:
                # by the error contract nothing reached the terminal (no link): one fresh attempt is safe
                return await terminal.sale(amount, entry.request_id, on_status=prompts.append)
        if op is CardOperation.REFUND:
            return await terminal.refund(amount, entry.request_id, on_status=prompts.append)
        return await terminal.reverse(receipt_number or 0, amount, entry.request_id, on_status=prompts.append)
    except OutcomeUnknown as exc:
        return CardResult(outcome=CardOutcome.UNKNOWN, operation=op, amount=amount, message=exc.message)


async def resolve_unknown(rt: Runtime, terminal: PaymentTerminal, entry: Row) -> CardResult:
    """Ask the terminal what became of a journaled operation (repeat last receipt, compare traces)."""
    try:
        result = await terminal.resolve(pending_card(entry))
        if (
            result.outcome is CardOutcome.UNKNOWN
            and entry.last_known_trace is None
            and await terminal.repeat_last() is None
        ):
            # the terminal had no transaction before and still has none: the operation never ran
            return CardResult(
                outcome=CardOutcome.DECLINED, operation=result.operation, amount=result.amount, message="not performed"
            )
        return result
    except DeviceError as exc:
        device_failed(rt, "terminal", exc)
        return CardResult(
            outcome=CardOutcome.UNKNOWN,
            operation=CardOperation(entry.kind),
            amount=entry.amount or 0,
            message=exc.message,
        )


_ENTRY = Query(select(m.device_journal).where(m.device_journal.c.id == bindparam("entry_id")))
_update_payment = RowUpdate(m.payments, "id")


def fetch_entry(tx: Tx, entry_id: str) -> Row:
    return tx.one(_ENTRY, {"entry_id": entry_id})


async def commit_sale_result(rt: Runtime, entry: Row, result: CardResult, prompts: list[str]) -> str:
    """Record a sale's outcome with its events in one transaction; returns the payment status."""
    payment_id = entry.payment_id
    order_id = entry.order_id
    now = utcnow()
    async with rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
        payment = next(p for p in rec.payments if p.id == payment_id)
        messages = json.dumps(prompts, ensure_ascii=False)
        if result.outcome is CardOutcome.APPROVED:
            if payment.status == "approved":
                return "approved"  # already recorded (a resolve after a restart)
            _update_payment(
                conn,
                payment_id,
                {
                    "status": "approved",
                    "card": card_json(result),
                    "messages": messages,
                    "detail": result.message,
                    "updated_at": now,
                },
            )
            paid_total = rec.row.paid_total + payment.amount
            fully = paid_total >= rec.row.total
            touch(
                conn,
                order_id,
                paid_total=paid_total,
                status="paid" if fully else "paying",
                lock_reason=None,
                last_problem=None,
            )
            rec = fetch_order(conn, order_id)
            paid = next(p for p in rec.payments if p.id == payment_id)
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
            journal.settle(conn, entry.id, "done", result)
            remember_trace(conn, result.trace_number)
            return "approved"
        if result.outcome is CardOutcome.DECLINED:
            _update_payment(
                conn,
                payment_id,
                {"status": "declined", "messages": messages, "detail": result.message or "declined", "updated_at": now},
            )
            status = "paying" if rec.row.paid_total else "draft"
            touch(conn, order_id, status=status, lock_reason=None)
            journal.settle(conn, entry.id, "failed", result)
            remember_trace(conn, result.trace_number)
            return "declined"
        _update_payment(conn, payment_id, {"status": "unknown", "messages": messages, "updated_at": now})
        touch(
            conn,
            order_id,
            lock_reason="The card payment outcome is unknown; it will be resolved with the terminal before anything else",
        )
        journal.settle(conn, entry.id, "unknown", result)
        return "unknown"


def sale_problem(status: str, result: CardResult) -> Problem | None:
    if status == "declined":
        return Problem(
            402, "card_declined", "The card payment was declined", result.message or "declined by the terminal"
        )
    if status == "unknown":
        return Problem(
            503,
            "outcome_unknown",
            "The card payment outcome is unknown",
            "The order stays locked until the terminal tells what happened (POST /orders/{id}/fiscalize retries)",
        )
    return None
