"""Order queries over the tables the ingest fills; always scoped to the caller's organization."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload

from hub.db.models.ingest import Order
from hub.domain.auth.security import Principal
from hub.domain.orders import schemas as s
from hub.listing import ListParams, fetch_page
from hub.problems import BadRequest, NotFound


def summary(row: Order) -> s.OrderSummary:
    return msgspec.convert(row, s.OrderSummary, from_attributes=True)


async def list_orders(
    session: AsyncSession,
    p: Principal,
    params: ListParams,
    *,
    location_id: uuid.UUID | None,
    register_id: uuid.UUID | None,
    date_from: datetime | None,
    date_to: datetime | None,
    status: str | None,
) -> s.OrderPage:
    if date_from and date_to and date_to < date_from:
        raise BadRequest("dateTo is before dateFrom")
    stmt = sa.select(Order).where(Order.org_id == p.org_id)
    if location_id is not None:
        stmt = stmt.where(Order.location_id == location_id)
    if register_id is not None:
        stmt = stmt.where(Order.register_id == register_id)
    if date_from is not None:
        stmt = stmt.where(Order.created_at >= date_from)
    if date_to is not None:
        stmt = stmt.where(Order.created_at < date_to)
    if status:
        stmt = stmt.where(Order.status.in_([x.strip() for x in status.split(",") if x.strip()]))
    sortable = {
        "created_at": Order.created_at,
        "updated_at": Order.updated_at,
        "total": Order.total,
        "number": Order.number,
        "status": Order.status,
    }
    rows, meta = await fetch_page(session, stmt, params, sortable, ["-created_at"], Order.id)
    return s.OrderPage(data=[summary(r) for r in rows], meta=meta)


async def get_order(session: AsyncSession, p: Principal, order_id: uuid.UUID) -> s.OrderDetail:
    row = (
        await session.scalars(
            sa.select(Order)
            .where(Order.id == order_id, Order.org_id == p.org_id)
            .options(
                selectinload(Order.lines),
                selectinload(Order.payments),
                selectinload(Order.fiscal_documents),
                selectinload(Order.status_history),
                selectinload(Order.refunds),
            )
        )
    ).first()
    if row is None:
        raise NotFound(f"no order {order_id}")
    base = msgspec.structs.asdict(summary(row))
    return s.OrderDetail(
        **base,
        table=row.table,
        delivery_address=row.delivery_address,
        shift_id=row.shift_id,
        cashier_id=row.cashier_id,
        customer_phone=row.customer_phone,
        comment=row.comment,
        vat=list(row.vat or []),
        lines=[msgspec.convert(x, s.OrderLineOut, from_attributes=True) for x in row.lines],
        payments=[msgspec.convert(x, s.PaymentOut, from_attributes=True) for x in row.payments],
        fiscal=[msgspec.convert(x, s.FiscalDocumentOut, from_attributes=True) for x in row.fiscal_documents],
        status_history=[msgspec.convert(x, s.StatusChangeOut, from_attributes=True) for x in row.status_history],
        refunds=[msgspec.convert(x, s.RefundOut, from_attributes=True) for x in row.refunds],
    )
