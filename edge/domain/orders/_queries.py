"""Reading orders: one by id, and the filtered, paged, sorted list."""

from __future__ import annotations

from datetime import date, datetime, time
from zoneinfo import ZoneInfo

from sqlalchemy import and_, func, select
from sqlalchemy.sql.elements import ColumnElement

from edge.db import models as m
from edge.domain.orders.repo import fetch_order, order_out
from edge.domain.orders.schemas import OrderOut
from edge.domain.runtime import Runtime
from edge.problems import Problem


async def get_order(rt: Runtime, order_id: str) -> OrderOut:
    async with rt.db.read() as conn:
        rec = fetch_order(conn, order_id)
    return order_out(rec, rt.card_prompts)


_SORTABLE = {"created_at", "number", "total", "status", "updated_at"}


def _day_start(rt: Runtime, value: str, end: bool) -> datetime:
    try:
        if len(value) == 10:
            day = date.fromisoformat(value)
            local = datetime.combine(day, time.max if end else time.min, tzinfo=ZoneInfo(rt.settings.app.timezone))
            return local
        parsed = datetime.fromisoformat(value)
    except ValueError as exc:
        raise Problem(
            400, "validation_error", "The request is not valid", f"{value!r} is not a date or datetime"
        ) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=ZoneInfo(rt.settings.app.timezone))
    return parsed


async def list_orders(
    rt: Runtime,
    date_from: str | None,
    date_to: str | None,
    status: str | None,
    kitchen_status: str | None,
    limit: int,
    offset: int,
    sort: str | None,
) -> tuple[list[OrderOut], int]:
    conds: list[ColumnElement[bool]] = []
    if date_from:
        conds.append(m.orders.c.created_at >= _day_start(rt, date_from, end=False))
    if date_to:
        conds.append(m.orders.c.created_at <= _day_start(rt, date_to, end=True))
    if status:
        conds.append(m.orders.c.status.in_(status.split(",")))
    if kitchen_status:
        conds.append(m.orders.c.kitchen_status.in_(kitchen_status.split(",")))
    order_by = []
    for part in (sort or "-created_at").split(","):
        name = part.strip().lstrip("-+")
        if name not in _SORTABLE:
            raise Problem(400, "validation_error", "The request is not valid", f"cannot sort by {name!r}")
        column = m.orders.c[name]
        order_by.append(column.desc() if part.strip().startswith("-") else column.asc())
    where = and_(*conds) if conds else None
    async with rt.db.read() as conn:
        count_q = select(func.count()).select_from(m.orders)
        ids_q = select(m.orders.c.id).order_by(*order_by).limit(limit).offset(offset)
        if where is not None:
            count_q = count_q.where(where)
            ids_q = ids_q.where(where)
        total = int((await conn.execute(count_q)).scalar_one())
        ids = (await conn.execute(ids_q)).scalars().all()
        orders = [order_out(fetch_order(conn, i), rt.card_prompts) for i in ids]
    return orders, total
