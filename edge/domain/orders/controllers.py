"""``/api/v1/orders``: drafts, lines, header changes, reading, listing, kitchen status and cancel."""

from __future__ import annotations

from typing import Annotated, Any

import msgspec
from litestar import Controller, Request, get, patch, post, put
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from edge.domain.auth.services import APPROVERS, KITCHEN, SELLERS, approve, require
from edge.domain.checkout.reversal import cancel_order
from edge.domain.deps import CurrentActor, IdempotencyKey, Rt, approval_pin
from edge.domain.envelope import Data, Page, PageMeta
from edge.domain.orders.repo import fetch_order
from edge.domain.orders.schemas import CancelIn, ItemsIn, KitchenStatusIn, OrderCreateIn, OrderOut, OrderPatchIn
from edge.domain.orders.services import (
    change_kitchen_status,
    create_order,
    get_order,
    list_orders,
    patch_order,
    replace_items,
)
from edge.problems import conflict


class OrderController(Controller):
    path = "/orders"
    tags = ("orders",)

    @post("/", operation_id="createOrder", status_code=HTTP_201_CREATED)
    async def create(
        self, rt: Rt, actor: CurrentActor, data: JSONBody[OrderCreateIn], idempotency_key: IdempotencyKey = None
    ) -> Data[OrderOut]:
        """Open a draft (optionally with lines). The same ``Idempotency-Key`` returns the same order."""
        require(actor, SELLERS, "creating orders")
        return Data(await create_order(rt, actor, data, idempotency_key))

    @get("/", operation_id="listOrders")
    async def list(
        self,
        rt: Rt,
        actor: CurrentActor,
        date_from: Annotated[str | None, QueryParameter(name="dateFrom", required=False)] = None,
        date_to: Annotated[str | None, QueryParameter(name="dateTo", required=False)] = None,
        status: FromQuery[str | None] = None,
        kitchen_status: Annotated[str | None, QueryParameter(name="kitchenStatus", required=False)] = None,
        limit: Annotated[int, QueryParameter(ge=1, le=500)] = 50,
        offset: Annotated[int, QueryParameter(ge=0)] = 0,
        sort: FromQuery[str | None] = None,
    ) -> Page[OrderOut]:
        """Orders by creation time (``dateFrom``/``dateTo``: dates in the location's zone or ISO datetimes),
        ``status`` and ``kitchenStatus`` (comma lists), ``sort=field,-field``."""
        orders, total = await list_orders(rt, date_from, date_to, status, kitchen_status, limit, offset, sort)
        return Page(orders, PageMeta(total=total, limit=limit, offset=offset))

    @get("/{order_id:str}", operation_id="getOrder")
    async def get(self, rt: Rt, actor: CurrentActor, order_id: FromPath[str]) -> Data[OrderOut]:
        """One order with lines, payments (with live terminal prompts), refunds and fiscal document."""
        return Data(await get_order(rt, order_id))

    @put("/{order_id:str}/items", operation_id="replaceOrderItems", status_code=HTTP_200_OK)
    async def items(
        self, rt: Rt, actor: CurrentActor, order_id: FromPath[str], data: JSONBody[ItemsIn]
    ) -> Data[OrderOut]:
        """Replace every line of a draft; each line is validated against the catalog."""
        require(actor, SELLERS, "editing orders")
        return Data(await replace_items(rt, actor, order_id, data.items))

    @patch("/{order_id:str}", operation_id="updateOrder", status_code=HTTP_200_OK)
    async def update(
        self,
        request: Request[Any, Any, Any],
        rt: Rt,
        actor: CurrentActor,
        order_id: FromPath[str],
        data: JSONBody[OrderPatchIn],
    ) -> Data[OrderOut]:
        """Order type, table, address, comment, phone, manual discount and promo code of a draft."""
        require(actor, SELLERS, "editing orders")
        if data.approval_pin is None and request.headers.get("X-Approval-Pin"):
            data = msgspec.structs.replace(data, approval_pin=approval_pin(request, None))
        return Data(await patch_order(rt, actor, order_id, data))

    @post("/{order_id:str}/kitchen-status", operation_id="setKitchenStatus", status_code=HTTP_200_OK)
    async def kitchen_post(
        self, rt: Rt, actor: CurrentActor, order_id: FromPath[str], data: JSONBody[KitchenStatusIn]
    ) -> Data[OrderOut]:
        """created → confirmed → cooking → ready → served/delivered, or cancelled."""
        require(actor, KITCHEN, "changing kitchen status")
        return Data(await change_kitchen_status(rt, actor, order_id, data.status))

    @patch("/{order_id:str}/kitchen-status", operation_id="patchKitchenStatus", status_code=HTTP_200_OK)
    async def kitchen_patch(
        self, rt: Rt, actor: CurrentActor, order_id: FromPath[str], data: JSONBody[KitchenStatusIn]
    ) -> Data[OrderOut]:
        """Same as the POST form."""
        require(actor, KITCHEN, "changing kitchen status")
        return Data(await change_kitchen_status(rt, actor, order_id, data.status))

    @post("/{order_id:str}/cancel", operation_id="cancelOrder", status_code=HTTP_200_OK)
    async def cancel(
        self,
        request: Request[Any, Any, Any],
        rt: Rt,
        actor: CurrentActor,
        order_id: FromPath[str],
        data: JSONBody[CancelIn | None] = None,
    ) -> Data[OrderOut]:
        """Cancel a draft; an order holding money needs a manager and gets it back first (card reversal)."""
        require(actor, SELLERS, "cancelling orders")
        body = data or CancelIn()
        async with rt.order_lock(order_id), rt.db.begin() as conn:
            rec = fetch_order(conn, order_id)
        if rec.status in ("fiscalized", "refunded", "partially_refunded"):
            raise conflict("use_refund", "The order is fiscalized", "Refund it instead of cancelling")
        if rec.status == "cancelled":
            return Data(await get_order(rt, order_id))
        if rec.row.lock_reason:
            raise conflict("order_locked", "The order is locked", rec.row.lock_reason)
        approver = None
        if rec.approved_payments() or (actor.role not in APPROVERS and rec.row.paid_total):
            approver = await approve(rt, actor, approval_pin(request, body.approval_pin), "cancelling a paid order")
        async with rt.order_lock(order_id):
            await cancel_order(rt, actor, approver, order_id, body.reason)
        return Data(await get_order(rt, order_id))
