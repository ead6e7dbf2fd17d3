"""The in-memory rows one commit touches: loading what its events refer to and writing them in bulk.

Every upsert is guarded by the owning register, so a register can never overwrite another register's
(or another organization's) rows by reusing their ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from hub.db.models.ingest import (
    CashMove,
    FiscalDocument,
    Order,
    OrderLine,
    OrderPayment,
    OrderRefund,
    OrderStatusChange,
    Shift,
)
from hub.ingest import _bulk as bulk
from protocols.events import Event, OrderCreated, PaymentReversed, ShiftClosed, ShiftOpened

Row = dict[str, Any]

ORDERS = cast(sa.Table, Order.__table__)
LINES = cast(sa.Table, OrderLine.__table__)
PAYMENTS = cast(sa.Table, OrderPayment.__table__)
REFUNDS = cast(sa.Table, OrderRefund.__table__)
FISCAL = cast(sa.Table, FiscalDocument.__table__)
HISTORY = cast(sa.Table, OrderStatusChange.__table__)
SHIFTS = cast(sa.Table, Shift.__table__)
CASH_MOVES = cast(sa.Table, CashMove.__table__)


@dataclass(frozen=True, slots=True)
class RegisterScope:
    """Who sent the events: the register and the organization and location it is enrolled in."""

    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID


@dataclass
class BatchState:
    scope: RegisterScope
    orders: dict[uuid.UUID, Row] = field(default_factory=dict)
    loaded_orders: set[uuid.UUID] = field(default_factory=set)  # rows that existed before this batch
    loaded_payments: set[uuid.UUID] = field(default_factory=set)
    loaded_shifts: set[uuid.UUID] = field(default_factory=set)
    dirty_orders: set[uuid.UUID] = field(default_factory=set)
    foreign_orders: set[uuid.UUID] = field(default_factory=set)  # ids another register's orders hold
    lines: dict[uuid.UUID, list[Row]] = field(default_factory=dict)  # order id → its replacement lines
    payments: dict[uuid.UUID, Row] = field(default_factory=dict)
    refunds: list[Row] = field(default_factory=list)
    fiscal: list[Row] = field(default_factory=list)
    history: list[Row] = field(default_factory=list)
    shifts: dict[uuid.UUID, Row] = field(default_factory=dict)
    cash_moves: list[Row] = field(default_factory=list)
    orphans: int = 0


def dialect_insert(conn: AsyncConnection, table: sa.Table) -> postgresql.Insert | sqlite.Insert:
    """``INSERT`` with ``ON CONFLICT`` support for the connection's dialect (PostgreSQL or SQLite)."""
    if conn.dialect.name == "postgresql":
        return postgresql.insert(table)
    if conn.dialect.name == "sqlite":
        return sqlite.insert(table)
    raise RuntimeError(f"unsupported database dialect {conn.dialect.name!r}")


async def load_rows(
    conn: AsyncConnection, scope: RegisterScope, events: Sequence[Event], *, direct: bool = False
) -> BatchState:
    """A state holding this register's existing orders, payments and shifts the events refer to.

    Without ``direct`` the ids the events create are looked up too: one that another register's order
    already holds goes into ``foreign_orders``, and nothing of this batch is attached to that order.
    (``direct`` skips that lookup: such an id then fails the commit's insert instead.)"""
    state = BatchState(scope=scope)
    order_ids: set[uuid.UUID] = set()
    payment_ids: set[uuid.UUID] = set()
    shift_ids: set[uuid.UUID] = set()
    created: set[uuid.UUID] = set()
    for event in events:
        if isinstance(event, OrderCreated):
            # An order is born with its order.created: its later events in this commit need no lookup.
            created.add(event.order_id)
            continue
        order_id = getattr(event, "order_id", None)
        if isinstance(order_id, uuid.UUID) and order_id not in created:
            order_ids.add(order_id)
        if isinstance(event, PaymentReversed):
            payment_ids.add(event.payment_id)
        elif isinstance(event, ShiftOpened | ShiftClosed):
            shift_ids.add(event.shift_id)
    if not direct:
        order_ids |= created
    if order_ids:
        result = await conn.execute(sa.select(ORDERS).where(ORDERS.c.id.in_(order_ids)))
        for row in result.mappings():
            if row["register_id"] == scope.register_id:
                state.orders[row["id"]] = dict(row)
            else:
                state.foreign_orders.add(row["id"])
        state.loaded_orders = set(state.orders)
    if payment_ids and state.orders:
        result = await conn.execute(
            sa.select(PAYMENTS).where(PAYMENTS.c.id.in_(payment_ids), PAYMENTS.c.order_id.in_(state.orders))
        )
        state.payments = {row["id"]: dict(row) for row in result.mappings()}
        state.loaded_payments = set(state.payments)
    if shift_ids:
        result = await conn.execute(
            sa.select(SHIFTS).where(SHIFTS.c.id.in_(shift_ids), SHIFTS.c.register_id == scope.register_id)
        )
        state.shifts = {row["id"]: dict(row) for row in result.mappings()}
        state.loaded_shifts = set(state.shifts)
    return state


def _split(
    rows: dict[uuid.UUID, Row], keys: set[uuid.UUID] | dict[uuid.UUID, Row], loaded: set[uuid.UUID]
) -> tuple[list[Row], list[Row]]:
    """The rows under ``keys`` that are new to the database, and those loaded from it."""
    fresh: list[Row] = []
    existing: list[Row] = []
    for key in keys:
        (existing if key in loaded else fresh).append(rows[key])
    return fresh, existing


async def _write_keyed(
    conn: AsyncConnection,
    table: sa.Table,
    rows: dict[uuid.UUID, Row],
    keys: set[uuid.UUID] | dict[uuid.UUID, Row],
    loaded: set[uuid.UUID],
    owner: str,
    direct: bool,
) -> None:
    """Upsert the rows under ``keys`` (guarded by ``owner``); with ``direct`` the new ones are inserted plainly."""
    if not direct:
        await bulk.write(conn, table, [rows[key] for key in keys], "upsert", owner)
        return
    fresh, existing = _split(rows, keys, loaded)
    await bulk.write(conn, table, fresh, "insert")
    await bulk.write(conn, table, existing, "upsert", owner)


async def write_rows(conn: AsyncConnection, state: BatchState, *, direct: bool = False) -> None:
    """Write the state: parents before children, lines replaced whole per updated order.

    ``direct`` inserts the rows the batch created without a conflict rule (a plain ``COPY`` into the
    table); a key that exists after all (an id another register reused, a row a racing commit wrote) then
    fails the transaction with an integrity error, and the caller commits again without ``direct``, where
    the conflict rules apply. Rows loaded from the database are always upserted.
    """
    new: bulk.Mode = "insert" if direct else "new"
    await _write_keyed(conn, ORDERS, state.orders, state.dirty_orders, state.loaded_orders, "register_id", direct)
    if state.lines:
        replaced = state.loaded_orders.intersection(state.lines)
        if replaced:
            await conn.execute(sa.delete(LINES).where(LINES.c.order_id.in_(replaced)))
        await bulk.write(conn, LINES, [line for lines in state.lines.values() for line in lines], new)
    await _write_keyed(conn, PAYMENTS, state.payments, state.payments, state.loaded_payments, "order_id", direct)
    await bulk.write(conn, REFUNDS, state.refunds, new)
    await _write_keyed(conn, SHIFTS, state.shifts, state.shifts, state.loaded_shifts, "register_id", direct)
    await bulk.write(conn, FISCAL, state.fiscal, new)
    await bulk.write(conn, HISTORY, state.history, new)
    await bulk.write(conn, CASH_MOVES, state.cash_moves, new)
