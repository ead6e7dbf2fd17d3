"""Start-up recovery: every device operation left pending or unknown is settled by asking the device,
then sagas caught between steps are carried on (a fully paid order is fiscalized). Nothing is retried blind.
"""

from __future__ import annotations

import uuid

import structlog
from sqlalchemy import select, update

from drivers.base import CardOutcome, FiscalOutcome, FiscalOutcomeKind, FiscalRegistrar, PendingFiscal, ReceiptKind
from drivers.errors import DeviceError
from edge.db import models as m
from edge.db.sql import Row
from edge.domain.checkout import journal
from edge.domain.checkout.card import commit_sale_result, resolve_unknown
from edge.domain.checkout.fiscal import (
    Planned,
    apply_fiscal_outcome,
    claimed_sells,
    drive_steps,
    fiscalize,
    pending_sell,
    resolve_sell,
    settle_fiscal_outcome,
)
from edge.domain.checkout.reversal import _mark_reversed
from edge.domain.orders.repo import fetch_order, touch
from edge.domain.runtime import Runtime
from edge.problems import Problem
from protocols.ids import utcnow

log = structlog.get_logger("edge.recovery")


async def _terminal(rt: Runtime, entry: Row) -> None:
    terminal = rt.devices.terminal
    if terminal is None:
        return
    result = await resolve_unknown(rt, terminal, entry)
    if entry.kind == "sale":
        status = await commit_sale_result(rt, entry, result, [])
        log.info("card_sale_resolved", order_id=entry.order_id, payment_id=entry.payment_id, status=status)
        return
    state = {CardOutcome.APPROVED: "done", CardOutcome.DECLINED: "failed"}.get(result.outcome, "unknown")
    async with rt.db.begin() as conn:
        journal.settle(conn, entry.id, state, result)
        if entry.kind == "reversal" and state == "done" and entry.payment_id:
            await _mark_reversed(
                conn, entry.order_id, entry.payment_id, entry.amount or 0, "reversal resolved at start-up"
            )
        if entry.kind == "refund" and state == "done" and entry.refund_id:
            await conn.execute(
                update(m.refunds)
                .where(m.refunds.c.id == entry.refund_id, m.refunds.c.status == "pending")
                .values(
                    status="failed",
                    detail="the card was refunded; the refund receipt was not issued",
                    updated_at=utcnow(),
                )
            )
            touch(
                conn,
                entry.order_id,
                lock_reason="A card refund went through without its refund receipt: issue it by hand",
            )
    log.info("card_operation_resolved", kind=entry.kind, order_id=entry.order_id, state=state)


async def _fiscal(rt: Runtime, entry: Row, after: Planned, *, drawer: bool) -> None:
    fiscal = rt.devices.fiscal
    if fiscal is None:
        return
    if entry.kind == "sell" and entry.order_id:
        planned = await settle_fiscal_outcome(rt, fiscal, entry, entry.order_id, drawer=drawer)
        after.extend(planned or [])
        log.info("fiscal_sell_resolved", order_id=entry.order_id, registered=planned is not None)
        return
    if entry.kind == "sellReturn":
        outcome = await fiscal.resolve(
            PendingFiscal(
                request_id=uuid.UUID(entry.request_id),
                kind=ReceiptKind.SELL_RETURN,
                total=entry.amount or 0,
                last_known_document_number=entry.last_known_fd or 0,
                started_at=entry.created_at,
            )
        )
        async with rt.db.begin() as conn:
            if outcome.kind is FiscalOutcomeKind.REGISTERED:
                journal.settle(conn, entry.id, "done", outcome.document)
                touch(
                    conn,
                    entry.order_id,
                    lock_reason="A refund receipt was issued but the refund was not recorded: check the order",
                )
            elif outcome.kind is FiscalOutcomeKind.NOT_REGISTERED:
                journal.settle(conn, entry.id, "failed", error="not registered")
            else:
                journal.settle(conn, entry.id, "unknown", error=outcome.detail)
        return
    # shift and cash operations: the shift service reads the device's own state before acting again
    async with rt.db.begin() as conn:
        journal.settle(
            conn, entry.id, "failed", error="interrupted; the device state is read before the next operation"
        )


async def _other(rt: Runtime, entry: Row) -> None:
    # a print or drawer kick interrupted by a crash: not repeated on its own (Print on the order does it)
    async with rt.db.begin() as conn:
        journal.settle(conn, entry.id, "failed", error="interrupted by a restart")


async def resolve_open_entries(
    rt: Runtime,
    order_id: str | None = None,
    *,
    startup: bool = False,
    warnings: list[str] | None = None,
    drawer: bool | None = None,
    orderless: bool = False,
) -> int:
    """Settle pending/unknown journal rows (of one order, or all); returns how many are still open.

    At start-up (nothing else is selling) sells are resolved in two passes; see :func:`_unsent_sells`. A sale
    found registered then gets the kitchen ticket it never reached, and, for one order (a cashier at the
    till), the drawer for cash (``drawer`` says otherwise); their problems go to ``warnings``. ``orderless``:
    only the rows of no order (shift and cash operations)."""
    after: Planned = []
    if drawer is None:
        drawer = order_id is not None
    async with rt.db.begin() as conn:
        entries = journal.open_entries(conn, order_id)
    if orderless:
        entries = [e for e in entries if not e.order_id]
    fiscal = rt.devices.fiscal
    unsent: list[Row] = []
    complete = True  # every other sell is placed: its document is on its order, or it never reached the device
    for entry in entries:
        try:
            if entry.device == "terminal":
                await _terminal(rt, entry)
            elif (
                startup and fiscal is not None and entry.device == "fiscal" and entry.kind == "sell" and entry.order_id
            ):
                outcome = await resolve_sell(rt, fiscal, pending_sell(entry, search=False))
                if outcome.request_unknown:
                    unsent.append(entry)
                    continue
                complete = complete and outcome.kind is not FiscalOutcomeKind.UNKNOWN
                planned = await apply_fiscal_outcome(rt, entry, entry.order_id, outcome, drawer=drawer)
                after.extend(planned or [])
                log.info("fiscal_sell_resolved", order_id=entry.order_id, registered=planned is not None)
            elif entry.device == "fiscal":
                await _fiscal(rt, entry, after, drawer=drawer)
            else:
                await _other(rt, entry)
        except DeviceError as exc:
            log.warning("resolve_failed", entry_id=entry.id, device=entry.device, error=exc.message)
    if unsent and fiscal is not None:
        await _unsent_sells(rt, fiscal, unsent, after, complete=complete)
    if after:
        await drive_steps(rt, after, warnings if warnings is not None else [])
    async with rt.db.begin() as conn:
        return len(journal.open_entries(conn, order_id))


async def retry_unresolved(rt: Runtime) -> int:
    """The background retry while the agent serves: each order's rows are settled under its order lock, so a
    saga in flight (pay, refund, Finish) is never resolved under its feet; it settles its own rows, and what it
    leaves open is settled here after it. Returns how many rows are still open."""
    async with rt.db.read() as conn:
        entries = journal.open_entries(conn)
    for order_id in dict.fromkeys(e.order_id for e in entries if e.order_id):
        async with rt.order_lock(order_id):
            await resolve_open_entries(rt, order_id, drawer=False)
    if any(not e.order_id for e in entries):
        await resolve_open_entries(rt, orderless=True)
    async with rt.db.read() as conn:
        return len(journal.open_entries(conn))


async def _unsent_sells(
    rt: Runtime, fiscal: FiscalRegistrar, unsent: list[Row], after: Planned, *, complete: bool
) -> None:
    """Sells the Web Server has no record of, resolved from the FN once every other sell is placed.

    While several tills' worth of cashiers share one register, the FD an unsent sell journaled as its baseline
    is soon behind: other sales of the same total follow it in the FN, and a plain search finds them all. Once
    every other sell is placed (its document on its order, or, like these, never sent), the documents on
    orders are no candidates; what is left decides. A match with other unsent sells also waiting stays
    UNKNOWN: which one it is cannot be told. While some other sell is itself unknown, the plain search runs."""
    for entry in unsent:
        claimed = await claimed_sells(rt, fiscal, entry) if complete else None
        outcome = await resolve_sell(rt, fiscal, pending_sell(entry, claimed=claimed or frozenset()))
        if claimed is not None and outcome.kind is FiscalOutcomeKind.REGISTERED and len(unsent) > 1:
            outcome = FiscalOutcome(
                kind=FiscalOutcomeKind.UNKNOWN,
                detail=f"{outcome.detail}, but {len(unsent) - 1} other unsent receipts could be it",
            )
        planned = await apply_fiscal_outcome(rt, entry, entry.order_id, outcome, claims_complete=claimed is not None)
        after.extend(planned or [])
        log.info("fiscal_sell_resolved", order_id=entry.order_id, registered=planned is not None, detail=outcome.detail)


async def continue_sagas(rt: Runtime) -> None:
    """Fiscalize orders that were fully paid when the agent stopped."""
    async with rt.db.begin() as conn:
        ids = (
            (
                await conn.execute(
                    select(m.orders.c.id).where(
                        m.orders.c.status.in_(("paid", "fiscalizing")), m.orders.c.lock_reason.is_(None)
                    )
                )
            )
            .scalars()
            .all()
        )
    for order_id in ids:
        async with rt.db.begin() as conn:
            if journal.open_entries(conn, order_id):
                continue
            rec = fetch_order(conn, order_id)
            if rec.status == "fiscalizing":
                touch(conn, order_id, status="paid")
        try:
            async with rt.order_lock(order_id):
                await fiscalize(rt, order_id)
        except Problem as exc:
            log.warning("saga_continue_failed", order_id=order_id, code=exc.code, detail=exc.detail)
        except DeviceError as exc:
            log.warning("saga_continue_failed", order_id=order_id, code=exc.kind, detail=exc.message)


async def recover(rt: Runtime) -> int:
    """Run at start-up before serving; returns the number of operations still unresolved."""
    left = await resolve_open_entries(rt, startup=True)
    await continue_sagas(rt)
    rt.recovery_pending = left
    if left:
        log.warning("recovery_incomplete", unresolved=left)
    return left
