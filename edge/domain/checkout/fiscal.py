"""Fiscalization of a fully paid order and the steps after it (receipt, kitchen ticket, drawer).

The request uuid and the FN's last document number are journaled before the receipt is sent; a lost
answer is resolved with ``fiscal.resolve`` (same uuid, then the FN). When the FN cannot take the receipt
at all (blocked, expired, shift over 24 h), card payments are reversed and the order is a draft again.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from functools import partial

import msgspec
import structlog
from sqlalchemy import bindparam, func, select

from drivers.base import (
    FiscalDocument,
    FiscalOutcome,
    FiscalOutcomeKind,
    FiscalReceipt,
    FiscalRegistrar,
    PendingFiscal,
    ReceiptKind,
    Refutation,
)
from drivers.errors import (
    DeviceError,
    FiscalStorageBlocked,
    FiscalStorageExpired,
    OutcomeUnknown,
    ShiftClosed,
    ShiftExpired,
)
from edge.db import models as m
from edge.db.outbox import append_event, header
from edge.db.sql import Query, Row, Tx
from edge.domain.auth.services import Actor, audit
from edge.domain.checkout import journal
from edge.domain.checkout._common import (
    device_failed,
    get_state,
    operator_for,
    order_row,
    remember_problem,
    set_state,
    timed,
)
from edge.domain.checkout.card import fetch_entry
from edge.domain.checkout.receipts import document_info, kitchen_ticket, printable_receipt, sell_receipt
from edge.domain.checkout.reversal import undo_payments
from edge.domain.orders.repo import OrderRecord, fetch_order, fiscal_info, touch
from edge.domain.runtime import Runtime
from edge.domain.shifts.services import open_fiscal_shift
from edge.problems import Problem, conflict
from protocols.codec import encode
from protocols.events import FiscalDocumentInfo, KitchenStatusChanged, OrderFiscalized
from protocols.ids import utcnow, uuid7

log = structlog.get_logger("edge.checkout.fiscal")
IMPOSSIBLE = (FiscalStorageBlocked, FiscalStorageExpired, ShiftExpired)


Step = tuple[str, str, str, Callable[[], Awaitable[object]]]  # device, kind, request id, the call
Planned = list[tuple[Step, str]]  # each step with its committed journal row


def _after_steps(rt: Runtime, rec: OrderRecord, *, drawer: bool) -> list[Step]:
    """The device steps after the receipt: the kitchen ticket, and with ``drawer`` the drawer for a cash sale."""
    steps: list[Step] = []
    printer = rt.devices.printer
    ticket = kitchen_ticket(rec)
    if ticket is not None and printer is not None:
        steps.append(("printer", "kitchenTicket", ticket.job_id, partial(printer.print_kitchen_ticket, ticket)))
    cash = any(p.method == "cash" for p in rec.approved_payments())
    if cash and drawer and rt.devices.drawer is not None:
        steps.append(("drawer", "drawerOpen", f"{rec.row.id}:drawer", rt.devices.drawer.open))
    return steps


def _open_steps(conn: Tx, order_id: str, steps: list[Step]) -> Planned:
    return [
        (step, journal.open_entry(conn, device=step[0], kind=step[1], request_id=step[2], order_id=order_id))
        for step in steps
    ]


async def commit_fiscalized(
    rt: Runtime,
    order_id: str,
    entry_id: str | None,
    info: FiscalDocumentInfo,
    doc: FiscalDocument | None,
    *,
    open_after_steps: bool = False,
    drawer: bool = True,
    check: Callable[[Tx], None] | None = None,
) -> Planned | None:
    """Record the fiscal document. ``open_after_steps`` (a fiscal receipt the caller goes on from): the
    kitchen-ticket and (with ``drawer``) drawer rows are journaled in the same commit, before either device is
    driven; a crash after it leaves them open, and recovery settles them as interrupted, as it would rows
    opened in a commit of their own. ``check`` runs first in the same commit; what it raises leaves everything
    as it was. None: the order was fiscalized already, or nothing was asked to be journaled."""
    async with rt.db.begin() as conn:
        row = order_row(conn, order_id)
        if row.status == "fiscalized":
            return None
        if check is not None:
            check(conn)  # raising rolls this commit back
        values: dict[str, object] = {
            "status": "fiscalized",
            "fiscal_document": encode(info),
            "lock_reason": None,
            "last_problem": None,
            "receipt_printed": bool(doc is not None and not doc.not_printed),
        }
        if row.kitchen_status == "created":
            values["kitchen_status"] = "confirmed"
        touch(conn, order_id, **values)
        if entry_id is not None:
            journal.settle(conn, entry_id, "done", doc)
        append_event(conn, OrderFiscalized(**header(), order_id=uuid.UUID(order_id), document=info))
        if row.kitchen_status == "created":
            append_event(
                conn,
                KitchenStatusChanged(**header(), order_id=uuid.UUID(order_id), status="confirmed", previous="created"),
            )
        planned = None
        if open_after_steps and info.kind != "nonFiscal":
            planned = _open_steps(conn, order_id, _after_steps(rt, fetch_order(conn, order_id), drawer=drawer))
    rt.metrics.orders.labels(status="fiscalized").inc()
    return planned


async def _non_fiscal(rt: Runtime, order_id: str) -> None:
    async with rt.db.begin() as conn:
        number = int(get_state(conn, "nonfiscal_number") or 0) + 1
        set_state(conn, "nonfiscal_number", str(number))
        rec = fetch_order(conn, order_id)
    info = FiscalDocumentInfo(
        kind="nonFiscal", document_number=number, document_sign="", document_datetime=utcnow(), total=rec.row.total
    )
    await commit_fiscalized(rt, order_id, None, info, None)


Prepared = tuple[str, uuid.UUID, FiscalReceipt]  # the sell's journal row, its request uuid and the receipt


async def fiscal_baseline(rt: Runtime) -> int | None:
    """The FN's last document number, when this register fiscalizes and the registrar answers; None otherwise
    (the sell is then journaled on its own once the order is paid)."""
    fiscal = rt.devices.fiscal
    if not rt.settings.app.fiscal or fiscal is None:
        return None
    try:
        with timed(rt, "fiscal_last_document"):
            return await fiscal.last_document_number()
    except DeviceError:
        return None


def journal_sell(rt: Runtime, conn: Tx, order_id: str, last_fd: int) -> Prepared:
    """Journal the sell of a fully paid order in the caller's transaction (committed before the device sees
    it) and build its receipt from what the transaction sees."""
    request_id = uuid7()
    rec = fetch_order(conn, order_id)
    receipt = sell_receipt(rec, operator_for(conn, rec.row.cashier_id), rt.settings.app.taxation_type)
    entry_id = journal.open_entry(
        conn,
        device="fiscal",
        kind="sell",
        request_id=str(request_id),
        order_id=order_id,
        amount=rec.row.total,
        last_known_fd=last_fd,
    )
    touch(conn, order_id, status="fiscalizing")
    return entry_id, request_id, receipt


async def _open_journal(rt: Runtime, fiscal: FiscalRegistrar, order_id: str) -> Prepared:
    with timed(rt, "fiscal_last_document"):
        last_fd = await fiscal.last_document_number()
    async with rt.db.begin() as conn:
        return journal_sell(rt, conn, order_id, last_fd)


def pending_sell(
    entry: Row, *, search: bool = True, claimed: frozenset[int] = frozenset(), named: int | None = None
) -> PendingFiscal:
    """The journaled sell ``entry`` as the driver resolves it (see :class:`PendingFiscal`)."""
    return PendingFiscal(
        request_id=uuid.UUID(entry.request_id),
        kind=ReceiptKind.SELL,
        total=entry.amount or 0,
        last_known_document_number=entry.last_known_fd or 0,
        started_at=entry.created_at,
        search_fiscal_storage=search,
        claimed_documents=claimed,
        named_document=named,
    )


async def resolve_sell(rt: Runtime, fiscal: FiscalRegistrar, pending: PendingFiscal) -> FiscalOutcome:
    try:
        return await fiscal.resolve(pending)
    except DeviceError as exc:
        device_failed(rt, "fiscal", exc)
        return FiscalOutcome(kind=FiscalOutcomeKind.UNKNOWN, detail="device unreachable")


async def apply_fiscal_outcome(
    rt: Runtime,
    entry: Row,
    order_id: str,
    outcome: FiscalOutcome,
    *,
    claims_complete: bool = False,
    drawer: bool = False,
) -> Planned | None:
    """Registered → committed, with the after-steps the sale never reached journaled in the same commit (the
    kitchen ticket; the drawer too with ``drawer``, where a cashier is at the till), returned for the caller
    to drive; not registered → the order is paid again (a new request may go); unknown → the order stays
    locked. None unless registered.

    A document found in the FN (not through the request) is recorded only if, in the same commit, it is on
    no other order and, with ``claims_complete`` (the search left out the documents on orders), no other sell
    opened meanwhile; otherwise the outcome is unknown."""
    doc = outcome.document
    if outcome.kind is FiscalOutcomeKind.REGISTERED and doc is not None:
        check = partial(_check_uncontested, order_id=order_id, entry=entry, doc=doc, claims_complete=claims_complete)
        try:
            planned = await commit_fiscalized(
                rt,
                order_id,
                entry.id,
                document_info(doc, "sell"),
                doc,
                open_after_steps=True,
                drawer=drawer,
                check=check if doc.recovered else None,
            )
            return planned or []
        except _Contested as exc:
            log.warning("fiscal_document_contested", order_id=order_id, detail=str(exc))
            outcome = FiscalOutcome(kind=FiscalOutcomeKind.UNKNOWN, detail=str(exc))
    async with rt.db.begin() as conn:
        if outcome.kind is FiscalOutcomeKind.NOT_REGISTERED:
            journal.settle(conn, entry.id, "failed", error=outcome.detail or "not registered")
            touch(conn, order_id, status="paid", lock_reason=None)
        else:
            journal.settle(conn, entry.id, "unknown", error=outcome.detail)
            touch(
                conn,
                order_id,
                lock_reason="The receipt may have been fiscalized; waiting to read the fiscal storage before going on",
            )
    return None


async def settle_fiscal_outcome(
    rt: Runtime, fiscal: FiscalRegistrar, entry: Row, order_id: str, *, drawer: bool = False
) -> Planned | None:
    """Resolve a sell whose answer was lost, and apply what the device says (:func:`apply_fiscal_outcome`).

    While no other sell is open, every sale after this one's baseline has its document on its order, so those
    documents are not searched: a receipt that never reached the device is not taken for another order's of
    the same total. While another sell is open the claims may be incomplete and the plain search runs."""
    claimed = None
    async with rt.db.read() as conn:
        alone = not _other_open_sells(conn, order_id)
    if alone:
        claimed = await claimed_sells(rt, fiscal, entry)
    outcome = await resolve_sell(rt, fiscal, pending_sell(entry, claimed=claimed or frozenset()))
    return await apply_fiscal_outcome(rt, entry, order_id, outcome, claims_complete=claimed is not None, drawer=drawer)


async def settle_named_document(
    rt: Runtime, fiscal: FiscalRegistrar, entry: Row, order_id: str, number: int, actor: Actor, approver: Actor
) -> list[str]:
    """Record FD ``number``, which a manager read off the customer's receipt, as the sell ``entry`` the devices
    could not settle (several documents match, say). The FN must hold it as this sale's (after the baseline,
    on no other order, same operation and total); otherwise a 409 Problem and nothing changes. Audited. The
    kitchen ticket and the drawer follow, as after any sale; returns their warnings."""
    claimed = await claimed_sells(rt, fiscal, entry)
    if claimed is None:
        raise Problem(503, "outcome_unknown", "The fiscal storage cannot be read", "Try again in a moment")
    outcome = await resolve_sell(rt, fiscal, pending_sell(entry, claimed=claimed, named=number))
    if outcome.refuted:
        raise conflict("document_mismatch", "Not this order's receipt", outcome.detail, reason=outcome.refuted.value)
    doc = outcome.document
    if outcome.kind is not FiscalOutcomeKind.REGISTERED or doc is None:
        raise Problem(503, "outcome_unknown", "The fiscal storage cannot be read", outcome.detail or "Try again")

    def check(conn: Tx) -> None:
        _check_uncontested(conn, order_id, entry, doc, claims_complete=False)
        audit(conn, "fiscal_document_named", actor, approver, order_id, doc.total, f"FD {doc.document_number}")

    try:
        planned = await commit_fiscalized(
            rt, order_id, entry.id, document_info(doc, "sell"), doc, open_after_steps=True, check=check
        )
    except _Contested as exc:
        raise conflict(
            "document_mismatch", "Not this order's receipt", str(exc), reason=Refutation.ANOTHER_OPERATION.value
        ) from exc
    log.info("fiscal_document_named", order_id=order_id, fd=doc.document_number, approver=str(approver.staff_id))
    warnings: list[str] = []
    if planned:
        await drive_steps(rt, planned, warnings)
    return warnings


async def claimed_sells(rt: Runtime, fiscal: FiscalRegistrar, entry: Row) -> frozenset[int] | None:
    """FD numbers of the current FN after ``entry``'s baseline already on orders (those taken from a day before
    it on: an FN shift lasts at most 24 hours); None when the FN does not say which it is."""
    try:
        serial = (await fiscal.fn_info()).serial
    except DeviceError as exc:
        device_failed(rt, "fiscal", exc)
        return None
    async with rt.db.read() as conn:
        return _claims(conn, entry, serial)


def _claims(conn: Tx, entry: Row, serial: str) -> frozenset[int]:
    blobs = conn.all(_SOLD_SINCE, {"since": entry.created_at - timedelta(days=1)})
    infos = (fiscal_info(b.fiscal_document) for b in blobs)
    baseline = entry.last_known_fd or 0
    return frozenset(
        info.document_number
        for info in infos
        if info and info.document_number > baseline and info.fn_number.strip() == serial.strip()
    )


_SOLD_SINCE = Query(
    select(m.orders.c.fiscal_document).where(
        m.orders.c.fiscal_document.is_not(None), m.orders.c.created_at >= bindparam("since")
    )
)
_OTHER_OPEN_SELLS = Query(
    select(func.count())
    .select_from(m.device_journal)
    .where(
        m.device_journal.c.device == "fiscal",
        m.device_journal.c.kind == "sell",
        m.device_journal.c.state.in_(journal.OPEN_STATES),
        m.device_journal.c.order_id != bindparam("order_id"),
    )
)


def _other_open_sells(conn: Tx, order_id: str) -> int:
    return int(conn.all(_OTHER_OPEN_SELLS, {"order_id": order_id})[0][0])


class _Contested(Exception):
    """A document found in the FN cannot be this order's after all (see :func:`apply_fiscal_outcome`)."""


def _check_uncontested(conn: Tx, order_id: str, entry: Row, doc: FiscalDocument, *, claims_complete: bool) -> None:
    """In the commit that would record ``doc`` (found in the FN, not through the request): it is on no other
    order, and, where the search left out the documents on orders, no other sell opened meanwhile."""
    if doc.document_number in _claims(conn, entry, doc.fn_number):
        raise _Contested(f"FD {doc.document_number} is already another order's receipt")
    if claims_complete and (others := _other_open_sells(conn, order_id)):
        raise _Contested(f"FD {doc.document_number} matches, but {others} other receipt(s) opened meanwhile")


async def fiscalize(rt: Runtime, order_id: str, prepared: Prepared | None = None) -> list[str]:
    """Fiscalize a fully paid order, then print, send the kitchen ticket and open the drawer. ``prepared``:
    the sell was journaled in the commit of the payment that completed the order (the caller holds the order
    lock), so the first attempt sends it as it is.

    Returns warnings from the after-steps (printing problems do not undo a sale)."""
    async with rt.db.read() as conn:
        row = order_row(conn, order_id)
    if row.status == "fiscalized":
        return []
    if prepared is None and row.status != "paid":
        raise conflict("not_paid", "The order is not fully paid", f"order {row.number} is {row.status}")
    if not rt.settings.app.fiscal:
        with timed(rt, "fiscalize"):
            await _non_fiscal(rt, order_id)
        return await after_fiscal(rt, order_id)
    fiscal = rt.devices.fiscal
    if fiscal is None:
        problem = Problem(503, "unavailable", "No fiscal registrar", "The register has no fiscal registrar configured")
        await remember_problem(rt, order_id, problem)
        raise problem
    planned: Planned | None = None
    for attempt in range(2):
        try:
            if attempt == 0 and prepared is not None:
                entry_id, request_id, receipt = prepared
            else:
                entry_id, request_id, receipt = await _open_journal(rt, fiscal, order_id)
        except DeviceError as exc:
            problem = device_failed(rt, "fiscal", exc, "fiscalizing")
            await remember_problem(rt, order_id, problem)
            raise problem from exc
        rt.crash.hit("after_fiscal_journal")
        try:
            with timed(rt, "fiscalize"):
                doc = await fiscal.register_receipt(receipt, request_id)
        except OutcomeUnknown as exc:
            device_failed(rt, "fiscal", exc)
            async with rt.db.begin() as conn:
                entry = _entry(conn, entry_id)
            planned = await settle_fiscal_outcome(rt, fiscal, entry, order_id, drawer=True)
            if planned is not None:
                break
            async with rt.db.begin() as conn:
                rec = fetch_order(conn, order_id)
            if rec.status == "paid" and attempt == 0:
                continue
            raise Problem(
                503, "outcome_unknown", "The fiscal outcome is unknown", "The order stays locked; retry fiscalize"
            ) from exc
        except ShiftClosed as exc:
            await _fail_entry(rt, entry_id, order_id, exc)
            if attempt == 0 and await _reopen_shift(rt, fiscal):
                continue
            problem = device_failed(rt, "fiscal", exc, "fiscalizing")
            await remember_problem(rt, order_id, problem)
            raise problem from exc
        except IMPOSSIBLE as exc:
            await _fail_entry(rt, entry_id, order_id, exc)
            problem = device_failed(rt, "fiscal", exc, "the receipt cannot be fiscalized")
            await undo_payments(rt, order_id, problem)
            raise problem from exc
        except DeviceError as exc:
            await _fail_entry(rt, entry_id, order_id, exc)
            problem = device_failed(rt, "fiscal", exc, "fiscalizing")
            await remember_problem(rt, order_id, problem)
            raise problem from exc
        rt.crash.hit("after_fiscal_receipt")
        planned = await commit_fiscalized(
            rt, order_id, entry_id, document_info(doc, "sell"), doc, open_after_steps=True
        )
        break
    rt.crash.hit("after_fiscal_commit")
    return await after_fiscal(rt, order_id, planned)


def _entry(conn: Tx, entry_id: str) -> Row:
    return fetch_entry(conn, entry_id)


async def _fail_entry(rt: Runtime, entry_id: str, order_id: str, exc: DeviceError) -> None:
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "failed", error=f"{exc.kind}: {exc.message}")
        touch(conn, order_id, status="paid")


async def _reopen_shift(rt: Runtime, fiscal: FiscalRegistrar) -> bool:
    """The fiscal shift closed under an open register shift (a Z on the device): open it and go on."""
    try:
        await open_fiscal_shift(rt, fiscal, None)
    except (DeviceError, Problem) as exc:
        log.warning("fiscal_shift_reopen_failed", error=str(exc))
        return False
    return True


async def after_fiscal(rt: Runtime, order_id: str, planned: Planned | None = None) -> list[str]:
    """Receipt paper, kitchen ticket and drawer: each journaled, none of them can undo the sale. ``planned``:
    the kitchen-ticket and drawer rows already journaled with the fiscal document."""
    warnings: list[str] = []
    async with rt.db.read() as conn:
        rec = fetch_order(conn, order_id)
    info = msgspec.json.decode(rec.row.fiscal_document, type=FiscalDocumentInfo) if rec.row.fiscal_document else None
    cash = any(p.method == "cash" for p in rec.approved_payments())
    printer = rt.devices.printer
    fiscal_printed = info is not None and info.kind != "nonFiscal" and rec.row.receipt_printed
    if info is not None and info.kind != "nonFiscal" and not rec.row.receipt_printed:
        warnings.append("The fiscal receipt did not print: fix the paper and press Print")
    drawer_by_printer = False
    if not fiscal_printed and (info is None or info.kind == "nonFiscal") and printer is not None:
        receipt = printable_receipt(
            rec, rt.settings.app.location_name, info, open_drawer=cash and rt.devices.drawer is None
        )
        drawer_by_printer = receipt.open_drawer
        ok = await _device_step(
            rt, order_id, "printer", "receipt", receipt.job_id, partial(printer.print_receipt, receipt), warnings
        )
        if ok:
            await remember_problem(rt, order_id, None, receipt_printed=True)
    rt.crash.hit("after_print")
    if planned is None:
        steps = _after_steps(rt, rec, drawer=not drawer_by_printer)
        if steps:
            # Both rows in one commit before either device is driven.
            async with rt.db.begin() as conn:
                planned = _open_steps(conn, order_id, steps)
    if planned:
        await drive_steps(rt, planned, warnings)
    return warnings


async def drive_steps(rt: Runtime, planned: Planned, warnings: list[str]) -> None:
    """Drive each journaled step in turn, then settle every row in one commit (a step that failed does not
    stop the next)."""
    settled = [
        (entry_id, await _attempt(rt, device, kind, call, warnings)) for (device, kind, _, call), entry_id in planned
    ]
    async with rt.db.begin() as conn:
        for entry_id, (result, error, _) in settled:
            journal.settle(conn, entry_id, "failed" if error else "done", result, error=error)


async def _attempt(
    rt: Runtime, device: str, kind: str, call: Callable[[], Awaitable[object]], warnings: list[str]
) -> tuple[object, str | None, Problem | None]:
    """Drive one device step: (result, None, None), or (None, error, problem) with the problem in ``warnings``."""
    try:
        with timed(rt, kind):
            return await call(), None, None
    except DeviceError as exc:
        problem = device_failed(rt, device, exc, kind)
        warnings.append(f"{problem.title}: {problem.detail}")
        return None, f"{exc.kind}: {exc.message}", problem


async def _device_step(
    rt: Runtime,
    order_id: str,
    device: str,
    kind: str,
    request_id: str,
    call: Callable[[], Awaitable[object]],
    warnings: list[str],
) -> bool:
    async with rt.db.begin() as conn:
        entry_id = journal.open_entry(conn, device=device, kind=kind, request_id=request_id, order_id=order_id)
    return await _drive(rt, order_id, entry_id, device, kind, call, warnings)


async def _drive(
    rt: Runtime,
    order_id: str,
    entry_id: str,
    device: str,
    kind: str,
    call: Callable[[], Awaitable[object]],
    warnings: list[str],
) -> bool:
    """Drive a device whose journal row is committed, then settle the row."""
    result, error, problem = await _attempt(rt, device, kind, call, warnings)
    async with rt.db.begin() as conn:
        journal.settle(conn, entry_id, "failed" if error else "done", result, error=error)
    if problem is not None:
        if kind == "receipt":
            await remember_problem(rt, order_id, problem)
        return False
    return True
