"""Helpers the saga steps share: problems remembered on the order, the operator, the terminal's last trace,
timing of steps and the device-error accounting."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Row, delete, insert, select
from sqlalchemy.ext.asyncio import AsyncConnection

from drivers.base import Operator
from drivers.errors import DeviceError
from edge.db import models as m
from edge.domain.orders.repo import touch
from edge.domain.runtime import Runtime
from edge.problems import Problem, device_problem, not_found


def problem_json(problem: Problem) -> str:
    return json.dumps({"code": problem.code, "title": problem.title, "detail": problem.detail}, ensure_ascii=False)


async def remember_problem(rt: Runtime, order_id: str, problem: Problem | None, **values: object) -> None:
    """Store the last failed step on the order (the UI shows it) in its own transaction."""
    async with rt.db.begin() as conn:
        await touch(conn, order_id, last_problem=problem_json(problem) if problem else None, **values)


async def order_row(conn: AsyncConnection, order_id: str) -> Row[Any]:
    """The order's own row, for steps that only need its status or totals (not lines and payments)."""
    row = (await conn.execute(select(m.orders).where(m.orders.c.id == order_id))).first()
    if row is None:
        raise not_found("Order", order_id)
    return row


def device_failed(rt: Runtime, device: str, exc: DeviceError, what: str = "") -> Problem:
    rt.metrics.device_errors.labels(device=device, kind=exc.kind).inc()
    return device_problem(exc, what)


async def operator_for(conn: AsyncConnection, staff_id: str | None, fallback: str = "Кассир") -> Operator:
    if staff_id:
        name = (await conn.execute(select(m.staff.c.name).where(m.staff.c.id == staff_id))).scalar()
        if name:
            return Operator(name=str(name))
    return Operator(name=fallback)


async def get_state(conn: AsyncConnection, key: str) -> str | None:
    value = (await conn.execute(select(m.sync_state.c.value).where(m.sync_state.c.key == key))).scalar()
    return str(value) if value is not None else None


async def set_state(conn: AsyncConnection, key: str, value: str) -> None:
    await conn.execute(delete(m.sync_state).where(m.sync_state.c.key == key))
    await conn.execute(insert(m.sync_state).values(key=key, value=value))


async def last_trace(conn: AsyncConnection) -> int | None:
    value = await get_state(conn, "terminal_last_trace")
    return int(value) if value else None


async def remember_trace(conn: AsyncConnection, trace: int | None) -> None:
    if trace is not None:
        await set_state(conn, "terminal_last_trace", str(trace))


@contextmanager
def timed(rt: Runtime, step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        rt.metrics.saga_step.labels(step=step).observe(time.perf_counter() - started)


def as_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)
