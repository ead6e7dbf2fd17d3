"""Resolving a receipt whose answer was lost: the same request uuid first, then the fiscal storage itself.

A document counts as registered only when the Web Server returns it for the uuid, or exactly one new FN
document matches the operation (tag 1054), the total (1020) and carries a fiscal sign (1077); documents the
caller knows to be other operations' (``claimed_documents``) are not candidates. "Not
registered" is said only when it is proven; every doubt is UNKNOWN, which keeps the order locked.

A document named by the caller (``named_document``, read off the paper receipt) is checked instead of
searched for: it must be after the journaled baseline, not claimed, and match as above. Proven otherwise,
the outcome is UNKNOWN with ``refuted`` set.
"""

from __future__ import annotations

import logging
from datetime import timezone

from drivers.base import FiscalOutcome, FiscalOutcomeKind, PendingFiscal, Refutation
from drivers.errors import DeviceError
from drivers.fiscal.atol._webserver import WebServerSession
from drivers.fiscal.atol.errors import CLOSE_RECEIPT_INTERRUPTED, is_connection_code
from drivers.fiscal.atol.tasks import (
    MOSCOW,
    FnDocument,
    bare_task,
    fn_document_task,
    parse_device_status,
    parse_document,
    parse_fn_document,
    parse_last_document_number,
)

log = logging.getLogger(__name__)

UNKNOWN = FiscalOutcomeKind.UNKNOWN
REGISTERED = FiscalOutcomeKind.REGISTERED
NOT_REGISTERED = FiscalOutcomeKind.NOT_REGISTERED


async def resolve(
    session: WebServerSession,
    pending: PendingFiscal,
    *,
    device_tz: timezone = MOSCOW,
    wait_timeout: float | None = None,
) -> FiscalOutcome:
    """Decide whether ``pending`` became a fiscal document (see the module docstring)."""
    outcome = await _resolve(session, pending, device_tz=device_tz, wait_timeout=wait_timeout)
    named = pending.named_document
    if named is None:
        return outcome
    if outcome.kind is NOT_REGISTERED:
        return _refuted(Refutation.REQUEST_REFUSED, f"FD {named} is not this receipt: {outcome.detail}")
    if outcome.document is not None and outcome.document.document_number != named:
        became = outcome.document.document_number
        return _refuted(Refutation.REQUEST_BECAME, f"the request itself became FD {became}, not FD {named}")
    return outcome


async def _resolve(
    session: WebServerSession, pending: PendingFiscal, *, device_tz: timezone, wait_timeout: float | None
) -> FiscalOutcome:
    what = f"resolve {pending.request_id}"
    try:
        state = await session.wait(pending.request_id, what=what, mutating=False, patience=wait_timeout)
    except DeviceError as exc:
        return FiscalOutcome(kind=UNKNOWN, detail=f"Web Server did not answer the poll: {exc.message}")

    if state is not None:
        if not state.finished:
            return FiscalOutcome(kind=UNKNOWN, detail=f"request still {state.status}")
        if state.status == "ready":
            try:
                document = parse_document(state.result, pending.kind.value, kind=pending.kind, device_tz=device_tz)
            except DeviceError as exc:
                return FiscalOutcome(kind=UNKNOWN, detail=f"unreadable result: {exc.message}")
            return FiscalOutcome(kind=REGISTERED, document=document, detail="result of the same request")
        if state.status in ("interrupted", "canceled"):
            return FiscalOutcome(kind=NOT_REGISTERED, detail=f"request {state.status} before it ran")
        if not (is_connection_code(state.error_code) or state.error_code == CLOSE_RECEIPT_INTERRUPTED):
            # The device refused the receipt before closing it (paper, shift, validation…).
            return FiscalOutcome(
                kind=NOT_REGISTERED, detail=f"device refused: {state.error_code} {state.error_description}"
            )
    if pending.named_document is not None:
        return await _named_in_fiscal_storage(session, pending, pending.named_document, device_tz=device_tz)
    if state is None and not pending.search_fiscal_storage:
        return FiscalOutcome(kind=UNKNOWN, request_unknown=True, detail="the Web Server has no record of the request")
    return await _from_fiscal_storage(session, pending, device_tz=device_tz)


def _refuted(why: Refutation, detail: str) -> FiscalOutcome:
    return FiscalOutcome(kind=UNKNOWN, refuted=why, detail=detail)


async def _named_in_fiscal_storage(
    session: WebServerSession, pending: PendingFiscal, number: int, *, device_tz: timezone
) -> FiscalOutcome:
    try:
        last = parse_last_document_number(await session.execute(bare_task("getFnStatus")))
    except DeviceError as exc:
        return FiscalOutcome(kind=UNKNOWN, detail=f"fiscal storage unreachable: {exc.message}")
    known = pending.last_known_document_number
    if number <= known:
        return _refuted(
            Refutation.ISSUED_BEFORE, f"FD {number} was issued before this receipt was sent (the FN was at FD {known})"
        )
    if number > last:
        return _refuted(Refutation.NOT_IN_FN, f"the FN has no FD {number}: its last document is FD {last}")
    if number in pending.claimed_documents:
        return _refuted(Refutation.ANOTHER_OPERATION, f"FD {number} is another operation's")
    try:
        candidate = parse_fn_document(await session.execute(fn_document_task(number)), number, device_tz)
    except DeviceError as exc:
        return FiscalOutcome(kind=UNKNOWN, detail=f"cannot read FD {number}: {exc.message}")
    if not candidate.matches(pending.kind, pending.total):
        return _refuted(
            Refutation.DIFFERENT_SALE,
            f"FD {number} is not a {pending.kind.value} of {pending.total} kopecks (document type "
            f"{candidate.document_type}, operation {candidate.operation}, total {candidate.total})",
        )
    return await _recovered(session, pending, candidate)


async def _from_fiscal_storage(
    session: WebServerSession, pending: PendingFiscal, *, device_tz: timezone
) -> FiscalOutcome:
    try:
        last = parse_last_document_number(await session.execute(bare_task("getFnStatus")))
    except DeviceError as exc:
        return FiscalOutcome(kind=UNKNOWN, detail=f"fiscal storage unreachable: {exc.message}")
    known = pending.last_known_document_number
    if last == known:
        return FiscalOutcome(kind=NOT_REGISTERED, detail=f"FN still at FD {last}")
    if last < known:
        return FiscalOutcome(kind=UNKNOWN, detail=f"FN at FD {last}, below the journaled {known}: replaced FN?")

    matches: list[FnDocument] = []
    claimed = pending.claimed_documents
    for number in range(known + 1, last + 1):
        if number in claimed:
            continue
        try:
            candidate = parse_fn_document(await session.execute(fn_document_task(number)), number, device_tz)
        except DeviceError as exc:
            return FiscalOutcome(kind=UNKNOWN, detail=f"cannot read FD {number}: {exc.message}")
        if candidate.matches(pending.kind, pending.total):
            matches.append(candidate)
    if not matches:
        others = sum(1 for n in claimed if known < n <= last)
        mine = f" ({others} of them other operations')" if others else ""
        return FiscalOutcome(kind=NOT_REGISTERED, detail=f"none of FD {known + 1}..{last}{mine} is this receipt")
    if len(matches) > 1:
        numbers = ", ".join(str(m.number) for m in matches)
        return FiscalOutcome(kind=UNKNOWN, detail=f"several documents match: FD {numbers}")

    return await _recovered(session, pending, matches[0])


async def _recovered(session: WebServerSession, pending: PendingFiscal, found: FnDocument) -> FiscalOutcome:
    log.info("fiscal document recovered from the FN", extra={"request_id": str(pending.request_id), "fd": found.number})
    try:
        document = found.as_fiscal_document(pending.kind, not_printed=await _printer_fault(session))
    except DeviceError as exc:
        return FiscalOutcome(kind=UNKNOWN, detail=exc.message)
    return FiscalOutcome(kind=REGISTERED, document=document, detail=f"found in the FN as FD {found.number}")


async def _printer_fault(session: WebServerSession) -> bool:
    """Whether the paper may not have come out: the FN cannot say, the printer's state hints."""
    try:
        status = parse_device_status(await session.execute(bare_task("getDeviceStatus")))
    except DeviceError:
        return False
    return not status.paper_present or status.cover_open
