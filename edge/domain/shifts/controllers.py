"""``/api/v1/shifts``, ``/api/v1/cash`` and ``/api/v1/reports``: the cashier's shift, cash moves, X and Z."""

from __future__ import annotations

from typing import Any

from litestar import Request, Router, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from edge.domain.auth.services import SELLERS, approve, require
from edge.domain.deps import CurrentActor, IdempotencyKey, Rt, approval_pin
from edge.domain.envelope import Data
from edge.domain.shifts.schemas import CashMoveIn, ReportOut, ShiftOpenIn, ShiftOut, ZReportIn
from edge.domain.shifts.services import cash_move, current_shift, open_shift, print_x, report_x, report_z, shift_out


@post("/shifts/open", operation_id="openShift", status_code=HTTP_201_CREATED, tags=["shifts"])
async def open_shift_handler(rt: Rt, actor: CurrentActor, data: JSONBody[ShiftOpenIn]) -> Data[ShiftOut]:
    """Open the register shift (and the fiscal shift) with an opening cash float in kopecks."""
    require(actor, SELLERS, "opening a shift")
    return Data(await open_shift(rt, actor, data.float))


@get("/shifts/current", operation_id="currentShift", tags=["shifts"])
async def current_shift_handler(rt: Rt, actor: CurrentActor) -> Data[ShiftOut | None]:
    """The open shift, or null."""
    async with rt.db.read() as conn:
        row = await current_shift(conn)
    return Data(shift_out(row) if row is not None else None)


@post("/cash/in", operation_id="cashIn", status_code=HTTP_201_CREATED, tags=["shifts"])
async def cash_in_handler(
    rt: Rt, actor: CurrentActor, data: JSONBody[CashMoveIn], idempotency_key: IdempotencyKey = None
) -> Data[dict[str, str]]:
    """Put cash into the drawer (registered on the fiscal registrar)."""
    require(actor, SELLERS, "cash in")
    return Data({"id": await cash_move(rt, actor, None, "in", data.amount, data.reason, idempotency_key)})


@post("/cash/out", operation_id="cashOut", status_code=HTTP_201_CREATED, tags=["shifts"])
async def cash_out_handler(
    request: Request[Any, Any, Any],
    rt: Rt,
    actor: CurrentActor,
    data: JSONBody[CashMoveIn],
    idempotency_key: IdempotencyKey = None,
) -> Data[dict[str, str]]:
    """Take cash out of the drawer; needs a manager (approval_pin or X-Approval-Pin)."""
    require(actor, SELLERS, "cash out")
    approver = await approve(rt, actor, approval_pin(request, data.approval_pin), "cash out")
    return Data({"id": await cash_move(rt, actor, approver, "out", data.amount, data.reason, idempotency_key)})


@get("/reports/x", operation_id="reportX", tags=["reports"])
async def report_x_handler(rt: Rt, actor: CurrentActor) -> Data[ReportOut]:
    """The open shift's figures per tender, expected cash and fiscal warnings."""
    return Data(await report_x(rt))


@post("/reports/x/print", operation_id="printReportX", status_code=HTTP_200_OK, tags=["reports"])
async def print_x_handler(rt: Rt, actor: CurrentActor) -> Data[ReportOut]:
    """Print the X report on the fiscal registrar and return the figures."""
    require(actor, SELLERS, "X report")
    await print_x(rt, actor)
    return Data(await report_x(rt))


@post("/reports/z", operation_id="reportZ", status_code=HTTP_200_OK, tags=["reports"])
async def report_z_handler(
    request: Request[Any, Any, Any], rt: Rt, actor: CurrentActor, data: JSONBody[ZReportIn]
) -> Data[ReportOut]:
    """Close the shift: counted vs expected per tender, fiscal closeShift, terminal end of day. Orders in
    checkout block it (409 ``orders_in_checkout``, naming them); ``close_unresolved`` with a manager PIN closes
    past those only locked waiting for the device, which stay locked and are named in the warnings."""
    require(actor, SELLERS, "closing the shift")
    approver = None
    if data.close_unresolved:
        pin = approval_pin(request, data.approval_pin)
        approver = await approve(rt, actor, pin, "closing the shift with unresolved receipts")
    return Data(await report_z(rt, actor, data.counted, unresolved_approver=approver))


router = Router(
    path="/",
    route_handlers=[
        open_shift_handler,
        current_shift_handler,
        cash_in_handler,
        cash_out_handler,
        report_x_handler,
        print_x_handler,
        report_z_handler,
    ],
)
