"""The device journal: a row per device operation, committed *before* the device is driven and settled
(done / failed / unknown) in the transaction that records the result."""

from __future__ import annotations

import json
from dataclasses import asdict, is_dataclass
from datetime import datetime
from enum import Enum
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from edge.db import models as m
from protocols.ids import utcnow, uuid7

OPEN_STATES = ("pending", "unknown")


def _plain(value: object) -> object:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return _plain(asdict(value))
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


def to_json(value: object) -> str:
    return json.dumps(_plain(value), ensure_ascii=False)


async def open_entry(
    conn: AsyncConnection,
    *,
    device: str,
    kind: str,
    request_id: str,
    order_id: str | None = None,
    payment_id: str | None = None,
    refund_id: str | None = None,
    shift_id: str | None = None,
    amount: int | None = None,
    last_known_fd: int | None = None,
    last_known_trace: int | None = None,
) -> str:
    entry_id = str(uuid7())
    now = utcnow()
    await conn.execute(
        insert(m.device_journal).values(
            id=entry_id,
            device=device,
            kind=kind,
            order_id=order_id,
            payment_id=payment_id,
            refund_id=refund_id,
            shift_id=shift_id,
            request_id=request_id,
            amount=amount,
            last_known_fd=last_known_fd,
            last_known_trace=last_known_trace,
            state="pending",
            created_at=now,
            updated_at=now,
        )
    )
    return entry_id


async def settle(
    conn: AsyncConnection, entry_id: str, state: str, result: object = None, error: str | None = None
) -> None:
    await conn.execute(
        update(m.device_journal)
        .where(m.device_journal.c.id == entry_id)
        .values(state=state, result=to_json(result) if result is not None else None, error=error, updated_at=utcnow())
    )


async def open_entries(conn: AsyncConnection, order_id: str | None = None) -> list[Row[Any]]:
    query = (
        select(m.device_journal)
        .where(m.device_journal.c.state.in_(OPEN_STATES))
        .order_by(m.device_journal.c.created_at)
    )
    if order_id is not None:
        query = query.where(m.device_journal.c.order_id == order_id)
    return list((await conn.execute(query)).all())
