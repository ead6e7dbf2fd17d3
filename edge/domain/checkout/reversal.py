"""Giving money back before a receipt exists: reversing card payments and returning cash, either because
the FN cannot fiscalize (the order goes back to draft) or because a paid order is cancelled."""

from __future__ import annotations

import json
import uuid

import structlog
from sqlalchemy import update

from drivers.base import CardOutcome
from drivers.errors import DeviceError
from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Tx
from edge.domain.auth.services import Actor
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, problem_json, remember_problem, remember_trace
from edge.domain.checkout.card import fetch_entry, resolve_unknown, run_terminal
from edge.domain.orders.repo import fetch_order, touch
from edge.domain.orders.services import cancel_unpaid
from edge.domain.runtime import Runtime
from edge.problems import Problem
from protocols.events import PaymentReversed
from protocols.ids import utcnow

log = structlog.get_logger("edge.checkout.reversal")


async def _reverse_card(
    rt: Runtime, order_id: str, payment_id: str, amount: int, card: str | None, reason: str
) -> bool:
    terminal = rt.devices.terminal
    if terminal is None:
        return False
    receipt_number = json.loads(card).get("receipt_number") if card else None
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(
            conn,
            device="terminal",
            kind="reversal",
            request_id=f"{payment_id}:reversal",
            order_id=order_id,
            payment_id=payment_id,
            amount=amount,
        )
        entry = fetch_entry(conn, entry_id)
    try:
        result = await run_terminal(rt, terminal, entry, f"{payment_id}:reversal", receipt_number)
        rt.card_prompts.pop(f"{payment_id}:reversal", None)
        if result.outcome is CardOutcome.UNKNOWN:
            result = await resolve_unknown(rt, terminal, entry)
    except DeviceError as exc:
        device_failed(rt, "terminal", exc, "card reversal")
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        return False
    async with rt.db.begin() as conn:
        if result.outcome is CardOutcome.APPROVED:
            journal.settle(conn, entry_id, "done", result)
            remember_trace(conn, result.trace_number)
            await _mark_reversed(conn, order_id, payment_id, amount, reason)
            return True
        journal.settle(conn, entry_id, "failed" if result.outcome is CardOutcome.DECLINED else "unknown", result)
    return False


async def _mark_reversed(conn: Tx, order_id: str, payment_id: str, amount: int, reason: str) -> None:
    await conn.execute(
        update(m.payments).where(m.payments.c.id == payment_id).values(status="reversed", updated_at=utcnow())
    )
    rec = fetch_order(conn, order_id)
    touch(conn, order_id, paid_total=max(0, rec.row.paid_total - amount))
    append_event(
        conn,
        PaymentReversed(
            **header(), order_id=uuid.UUID(order_id), payment_id=uuid.UUID(payment_id), reason=reason[:2000]
        ),
    )


async def _give_back(rt: Runtime, order_id: str, reason: str) -> list[str]:
    """Reverse every approved payment; returns the payment ids that could not be reversed."""
    async with rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
    stuck: list[str] = []
    for p in rec.approved_payments():
        if p.method == "card":
            if not await _reverse_card(rt, order_id, p.id, p.amount, p.card, reason):
                stuck.append(p.id)
        else:
            # cash and points go back by hand at the counter: recorded, nothing to drive
            async with rt.db.begin() as conn:
                await _mark_reversed(conn, order_id, p.id, p.amount, reason)
    return stuck


async def undo_payments(rt: Runtime, order_id: str, problem: Problem) -> None:
    """The FN cannot take this receipt: give the money back and make the order a draft again."""
    reason = f"{problem.title}: {problem.detail}"
    stuck = await _give_back(rt, order_id, reason)
    async with rt.db.begin() as conn:
        if stuck:
            touch(
                conn,
                order_id,
                status="paying",
                lock_reason="A card payment could not be reversed automatically: reverse it on the terminal",
                last_problem=problem_json(problem),
            )
        else:
            touch(conn, order_id, status="draft", paid_total=0, lock_reason=None, last_problem=problem_json(problem))
    problem.detail = (
        f"{problem.detail}. Payments were given back; the order is a draft again" if not stuck else problem.detail
    )
    problem.extra["reversed"] = not stuck
    await rt.notify_sync()


async def cancel_order(rt: Runtime, actor: Actor, approver: Actor | None, order_id: str, reason: str) -> None:
    """Cancel an order; money taken before fiscalization is given back first."""
    async with rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
    if rec.approved_payments():
        stuck = await _give_back(rt, order_id, reason or "order cancelled")
        if stuck:
            problem = Problem(
                409,
                "reversal_failed",
                "A card payment could not be reversed",
                "Reverse it on the terminal, then cancel again",
            )
            await remember_problem(rt, order_id, problem)
            raise problem
    async with rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
        await cancel_unpaid(rt, conn, actor, rec, reason, approver)
    await rt.notify_sync()
