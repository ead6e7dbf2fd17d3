"""Refunds of fiscalized orders, whole or by lines, with a manager's approval: card refund through the
terminal and/or cash out, a sellReturn receipt linked to the original, never more than was paid."""

from __future__ import annotations

import json
import uuid
from decimal import Decimal

import msgspec
import structlog
from sqlalchemy import insert, select, update

from drivers.base import CardOutcome, CardResult, FiscalDocument, FiscalOutcomeKind, PendingFiscal, ReceiptKind
from drivers.errors import DeviceError, OutcomeUnknown
from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Row
from edge.domain.auth.services import Actor, audit
from edge.domain.checkout import journal
from edge.domain.checkout._common import device_failed, operator_for, remember_problem, remember_trace, timed
from edge.domain.checkout.card import card_json, fetch_entry, resolve_unknown, run_terminal
from edge.domain.checkout.receipts import document_info, return_receipt
from edge.domain.checkout.schemas import RefundIn
from edge.domain.orders.pricing import refund_line_amount
from edge.domain.orders.repo import OrderRecord, fetch_order, fiscal_info, touch
from edge.domain.runtime import Runtime
from edge.problems import Problem, conflict, invalid
from protocols.codec import encode
from protocols.events import FiscalDocumentInfo, OrderRefunded, PaymentRecord, RefundLine
from protocols.ids import utcnow, uuid7
from protocols.money import MoneyError, parse_quantity

log = structlog.get_logger("edge.checkout.refunds")
REFUNDABLE = frozenset({"fiscalized", "partially_refunded"})


def _plan(rec: OrderRecord, data: RefundIn) -> list[tuple[Row, Decimal, int]]:
    by_id = {line.id: line for line in rec.lines}
    wanted: list[tuple[str, Decimal]] = []
    if data.lines is None:
        for line in rec.lines:
            left = Decimal(line.quantity) - Decimal(line.refunded_quantity)
            if left > 0:
                wanted.append((line.id, left))
    else:
        for item in data.lines:
            try:
                qty = parse_quantity(item.quantity)
            except MoneyError as exc:
                raise invalid("bad_quantity", "Bad quantity", str(exc)) from exc
            wanted.append((str(item.line_id), qty))
    plan = []
    for line_id, qty in wanted:
        found = by_id.get(line_id)
        if found is None:
            raise invalid("unknown_line", "Unknown line", f"line {line_id} is not in this order")
        line = found
        left = Decimal(line.quantity) - Decimal(line.refunded_quantity)
        if qty <= 0 or qty > left:
            raise invalid(
                "refund_exceeds_paid", "Refund above what was sold", f"{line.name}: {qty} asked, {left} refundable"
            )
        amount = refund_line_amount(
            line.amount, Decimal(line.quantity), Decimal(line.refunded_quantity), line.refunded_amount, qty
        )
        plan.append((line, qty, amount))
    if not plan:
        raise invalid("nothing_to_refund", "Nothing to refund", "every line is refunded already")
    return plan


def _tenders(rec: OrderRecord, amount: int) -> dict[str, int]:
    """Split the refund over how it was paid: card first (back to the card), then points, then cash."""
    left = amount
    split: dict[str, int] = {}
    for method in ("card", "loyalty", "cash"):
        available = sum(p.amount - p.refunded_amount for p in rec.approved_payments() if p.method == method)
        take = min(left, available)
        if take:
            split[method] = take
            left -= take
    if left:
        raise invalid(
            "refund_exceeds_paid", "Refund above what was paid", f"{amount} asked, {amount - left} refundable"
        )
    return split


async def refund(
    rt: Runtime, actor: Actor, approver: Actor, order_id: str, data: RefundIn, idempotency_key: str | None = None
) -> str:
    """Refund and return the refund id; the same ``Idempotency-Key`` returns the first refund, untouched."""
    async with rt.order_lock(order_id):
        if idempotency_key:
            async with rt.db.begin() as conn:
                known = (
                    await conn.execute(select(m.refunds.c.id).where(m.refunds.c.idempotency_key == idempotency_key))
                ).scalar()
            if known is not None:
                return str(known)
        return await _refund_locked(rt, actor, approver, order_id, data, idempotency_key)


async def _refund_locked(
    rt: Runtime, actor: Actor, approver: Actor, order_id: str, data: RefundIn, idempotency_key: str | None
) -> str:
    async with rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
    if rec.status not in REFUNDABLE:
        raise conflict("not_refundable", "The order cannot be refunded", f"order {rec.row.number} is {rec.status}")
    if rec.row.lock_reason:
        raise conflict("order_locked", "The order is locked", rec.row.lock_reason)
    plan = _plan(rec, data)
    amount = sum(a for _, _, a in plan)
    if amount > rec.row.paid_total - rec.row.refunded_total:
        raise invalid(
            "refund_exceeds_paid",
            "Refund above what was paid",
            f"{amount} asked, {rec.row.paid_total - rec.row.refunded_total} left",
        )
    tenders = _tenders(rec, amount)
    refund_id = str(uuid7())
    now = utcnow()
    lines_json = json.dumps([{"line_id": line.id, "quantity": str(qty), "amount": a} for line, qty, a in plan])
    async with rt.db.begin() as conn:
        await conn.execute(
            insert(m.refunds).values(
                id=refund_id,
                order_id=order_id,
                status="pending",
                amount=amount,
                card_amount=tenders.get("card", 0),
                cash_amount=tenders.get("cash", 0),
                lines=lines_json,
                reason=data.reason,
                actor_id=str(actor.staff_id),
                approved_by=str(approver.staff_id),
                idempotency_key=idempotency_key,
                created_at=now,
                updated_at=now,
            )
        )
    card_detail = None
    if tenders.get("card"):
        card_detail = await _card_refund(rt, order_id, refund_id, tenders["card"])
    document = await _fiscal_return(rt, rec, refund_id, plan, tenders)
    await _commit_refund(rt, actor, approver, order_id, refund_id, plan, tenders, document, card_detail, data.reason)
    if tenders.get("cash") and rt.devices.drawer is not None:
        try:
            await rt.devices.drawer.open()
        except DeviceError as exc:
            device_failed(rt, "drawer", exc)
    await rt.notify_sync()
    return refund_id


async def _fail(rt: Runtime, refund_id: str, order_id: str, problem: Problem, lock: str | None = None) -> Problem:
    async with rt.db.begin() as conn:
        await conn.execute(
            update(m.refunds)
            .where(m.refunds.c.id == refund_id)
            .values(status="failed", detail=problem.detail, updated_at=utcnow())
        )
    await remember_problem(rt, order_id, problem, **({"lock_reason": lock} if lock else {}))
    return problem


async def _card_refund(rt: Runtime, order_id: str, refund_id: str, amount: int) -> str:
    terminal = rt.devices.terminal
    if terminal is None:
        raise await _fail(
            rt, refund_id, order_id, Problem(503, "unavailable", "No card terminal", "A card refund needs the terminal")
        )
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(
            conn,
            device="terminal",
            kind="refund",
            request_id=f"{refund_id}:card",
            order_id=order_id,
            refund_id=refund_id,
            amount=amount,
        )
        entry = fetch_entry(conn, entry_id)
    try:
        with timed(rt, "card_refund"):
            result = await run_terminal(rt, terminal, entry, refund_id)
            rt.card_prompts.pop(refund_id, None)
        if result.outcome is CardOutcome.UNKNOWN:
            result = await resolve_unknown(rt, terminal, entry)
    except DeviceError as exc:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        raise await _fail(rt, refund_id, order_id, device_failed(rt, "terminal", exc, "card refund")) from exc
    async with rt.db.begin() as conn:
        state = {CardOutcome.APPROVED: "done", CardOutcome.DECLINED: "failed"}.get(result.outcome, "unknown")
        journal.settle(conn, entry_id, state, result)
        remember_trace(conn, result.trace_number)
    if result.outcome is CardOutcome.DECLINED:
        raise await _fail(
            rt, refund_id, order_id, Problem(402, "card_declined", "The card refund was declined", result.message)
        )
    if result.outcome is CardOutcome.UNKNOWN:
        raise await _fail(
            rt,
            refund_id,
            order_id,
            Problem(
                503,
                "outcome_unknown",
                "The card refund outcome is unknown",
                "Check the terminal before refunding again",
            ),
            lock="A card refund outcome is unknown: check the terminal's journal",
        )
    return card_json(result)


async def _fiscal_return(
    rt: Runtime, rec: OrderRecord, refund_id: str, plan: list[tuple[Row, Decimal, int]], tenders: dict[str, int]
) -> FiscalDocumentInfo | None:
    original = fiscal_info(rec.row.fiscal_document)
    fiscal = rt.devices.fiscal
    if not rt.settings.app.fiscal or original is None or original.kind == "nonFiscal":
        return None
    if fiscal is None:
        raise await _fail(
            rt,
            refund_id,
            rec.id,
            Problem(503, "unavailable", "No fiscal registrar", "A refund receipt needs the fiscal registrar"),
        )
    amount = sum(a for _, _, a in plan)
    try:
        last_fd = await fiscal.last_document_number()
    except DeviceError as exc:
        raise await _fail(rt, refund_id, rec.id, device_failed(rt, "fiscal", exc, "refund receipt")) from exc
    request_id = uuid7()
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(
            conn,
            device="fiscal",
            kind="sellReturn",
            request_id=str(request_id),
            order_id=rec.id,
            refund_id=refund_id,
            amount=amount,
            last_known_fd=last_fd,
        )
        operator = operator_for(conn, rec.row.cashier_id)
    receipt = return_receipt(plan, tenders, operator, rt.settings.app.taxation_type, original.document_number)
    try:
        with timed(rt, "fiscal_return"):
            doc = await fiscal.register_receipt(receipt, request_id)
    except OutcomeUnknown as exc:
        outcome = await fiscal.resolve(
            PendingFiscal(
                request_id=request_id,
                kind=ReceiptKind.SELL_RETURN,
                total=amount,
                last_known_document_number=last_fd,
                started_at=utcnow(),
            )
        )
        if outcome.kind is not FiscalOutcomeKind.REGISTERED or outcome.document is None:
            async with rt.db.begin() as conn:
                journal.settle(
                    conn,
                    entry_id,
                    "unknown" if outcome.kind is FiscalOutcomeKind.UNKNOWN else "failed",
                    error=exc.message,
                )
            raise await _fail(
                rt,
                refund_id,
                rec.id,
                device_failed(rt, "fiscal", exc, "refund receipt"),
                lock="The refund receipt outcome is unknown",
            ) from exc
        doc = outcome.document
    except DeviceError as exc:
        async with rt.db.begin() as conn:
            journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        lock = (
            "The card was refunded but the refund receipt failed: fix the registrar, then Finish the order"
            if tenders.get("card")
            else None
        )
        raise await _fail(rt, refund_id, rec.id, device_failed(rt, "fiscal", exc, "refund receipt"), lock=lock) from exc
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "done", doc)
    return document_info(doc, "sellReturn")


async def _commit_refund(
    rt: Runtime,
    actor: Actor,
    approver: Actor,
    order_id: str,
    refund_id: str,
    plan: list[tuple[Row, Decimal, int]],
    tenders: dict[str, int],
    document: FiscalDocumentInfo | None,
    card_detail: str | None,
    reason: str,
) -> None:
    amount = sum(a for _, _, a in plan)
    async with rt.db.begin() as conn:
        rec = fetch_order(conn, order_id)
        for line, qty, a in plan:
            fresh = next(x for x in rec.lines if x.id == line.id)
            await conn.execute(
                update(m.order_lines)
                .where(m.order_lines.c.id == line.id)
                .values(
                    refunded_quantity=str(Decimal(fresh.refunded_quantity) + qty),
                    refunded_amount=fresh.refunded_amount + a,
                )
            )
        records: list[PaymentRecord] = []
        for method, take in tenders.items():
            left = take
            for p in rec.approved_payments():
                if p.method != method or not left:
                    continue
                part = min(left, p.amount - p.refunded_amount)
                if part <= 0:
                    continue
                left -= part
                await conn.execute(
                    update(m.payments).where(m.payments.c.id == p.id).values(refunded_amount=p.refunded_amount + part)
                )
                records.append(
                    PaymentRecord(payment_id=uuid.UUID(p.id), method=p.method, amount=part, status="refunded")
                )
        refunded_total = rec.row.refunded_total + amount
        full = refunded_total >= rec.row.total
        touch(
            conn,
            order_id,
            refunded_total=refunded_total,
            status="refunded" if full else "partially_refunded",
            last_problem=None,
            lock_reason=None,
        )
        await conn.execute(
            update(m.refunds)
            .where(m.refunds.c.id == refund_id)
            .values(
                status="done",
                fiscal_document=encode(document) if document else None,
                card=card_detail,
                updated_at=utcnow(),
            )
        )
        append_event(
            conn,
            OrderRefunded(
                **header(),
                order_id=uuid.UUID(order_id),
                refund_id=uuid.UUID(refund_id),
                lines=[RefundLine(line_id=uuid.UUID(line.id), quantity=qty, amount=a) for line, qty, a in plan],
                amount=amount,
                payments=records,
                document=document,
                reason=reason[:2000],
                approved_by=approver.staff_id,
                full=full,
            ),
        )
        audit(conn, "refund", actor, approver, order_id, amount, reason)
    rt.metrics.orders.labels(status="refunded").inc()


async def finish_refund(rt: Runtime, actor: Actor, order_id: str) -> bool:
    """Finish a refund left half done: its card leg went through while the return receipt failed (the
    receipt is issued now), or recovery found its receipt in the FN (that one is taken). The refund is then
    recorded without touching the card again. True when a refund was finished; the caller holds the order
    lock."""
    async with rt.db.read() as conn:
        rec = fetch_order(conn, order_id)
        failed = (
            await conn.execute(
                # failed, or still pending after a restart (under the order lock no refund is in flight)
                select(m.refunds)
                .where(m.refunds.c.order_id == order_id, m.refunds.c.status.in_(("failed", "pending")))
                .order_by(m.refunds.c.created_at.desc())
            )
        ).first()
        if failed is None:
            return False
        legs = {
            (row.device, row.kind): row
            for row in (
                await conn.execute(
                    select(m.device_journal).where(
                        m.device_journal.c.refund_id == failed.id, m.device_journal.c.state == "done"
                    )
                )
            ).all()
        }
    card = legs.get(("terminal", "refund"))
    receipt = legs.get(("fiscal", "sellReturn"))
    if (card is None) if failed.card_amount else (receipt is None):
        return False  # no money went back and no receipt was issued: nothing to finish, the cashier refunds again
    by_id = {line.id: line for line in rec.lines}
    plan = [
        (by_id[item["line_id"]], Decimal(item["quantity"]), int(item["amount"])) for item in json.loads(failed.lines)
    ]
    points = failed.amount - failed.card_amount - failed.cash_amount
    tenders = {
        method: take
        for method, take in (("card", failed.card_amount), ("loyalty", points), ("cash", failed.cash_amount))
        if take
    }
    if receipt is not None and receipt.result:
        document: FiscalDocumentInfo | None = document_info(
            msgspec.json.decode(receipt.result, type=FiscalDocument), "sellReturn"
        )
    else:
        document = await _fiscal_return(rt, rec, failed.id, plan, tenders)
    approver = Actor(staff_id=uuid.UUID(failed.approved_by or str(actor.staff_id)), name="", role="manager")
    card_detail = card_json(msgspec.json.decode(card.result, type=CardResult)) if card and card.result else None
    await _commit_refund(rt, actor, approver, order_id, failed.id, plan, tenders, document, card_detail, failed.reason)
    log.info("refund_finished", order_id=order_id, refund_id=failed.id)
    if tenders.get("cash") and rt.devices.drawer is not None:
        try:
            await rt.devices.drawer.open()
        except DeviceError as exc:
            device_failed(rt, "drawer", exc)
    return True
