"""The shift rows every shift module reads: the open shift and its API body."""

from __future__ import annotations

from sqlalchemy import select

from edge.db import models as m
from edge.db.sql import Row, Tx
from edge.domain.shifts.schemas import ShiftOut
from edge.problems import conflict
from protocols.ids import utcnow


async def current_shift(conn: Tx) -> Row | None:
    return (await conn.execute(select(m.shifts).where(m.shifts.c.status == "open"))).first()


def shift_out(row: Row) -> ShiftOut:
    end = row.closed_at or utcnow()
    return ShiftOut(
        id=row.id,
        number=row.number,
        status=row.status,
        opened_at=row.opened_at,
        closed_at=row.closed_at,
        opening_float=row.opening_float,
        cashier_id=row.cashier_id,
        fiscal_shift_number=row.fiscal_shift_number,
        age_seconds=int((end - row.opened_at).total_seconds()),
    )


async def require_open_shift(conn: Tx) -> Row:
    row = await current_shift(conn)
    if row is None:
        raise conflict("shift_closed", "No open shift", "Open a shift first")
    return row
