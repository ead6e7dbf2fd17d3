"""Helpers the saga steps share: problems remembered on the order, the operator, the terminal's last trace,
timing of steps and the device-error accounting."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import bindparam, select
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from drivers.base import Operator
from drivers.errors import DeviceError
from edge.db import models as m
from edge.db.sql import Query, Tx
from edge.domain.orders.repo import order_row, touch
from edge.domain.runtime import Runtime
from edge.problems import Problem, device_problem

__all__ = [
    "as_uuid",
    "device_failed",
    "get_state",
    "last_trace",
    "operator_for",
    "order_row",
    "problem_json",
    "remember_problem",
    "remember_trace",
    "set_state",
    "timed",
]


def problem_json(problem: Problem) -> str:
    return json.dumps({"code": problem.code, "title": problem.title, "detail": problem.detail}, ensure_ascii=False)


async def remember_problem(rt: Runtime, order_id: str, problem: Problem | None, **values: object) -> None:
    """Store the last failed step on the order (the UI shows it) in its own transaction."""
    async with rt.db.begin() as conn:
        touch(conn, order_id, last_problem=problem_json(problem) if problem else None, **values)


def device_failed(rt: Runtime, device: str, exc: DeviceError, what: str = "") -> Problem:
    rt.metrics.device_errors.labels(device=device, kind=exc.kind).inc()
    return device_problem(exc, what)


_STAFF_NAME = Query(select(m.staff.c.name).where(m.staff.c.id == bindparam("staff_id")))
_STATE = Query(select(m.sync_state.c.value).where(m.sync_state.c.key == bindparam("key")))
_SET_STATE = Query(
    sqlite_insert(m.sync_state)
    .values(key=bindparam("key"), value=bindparam("value"))
    .on_conflict_do_update(index_elements=[m.sync_state.c.key], set_={"value": bindparam("value")})
)


def operator_for(tx: Tx, staff_id: str | None, fallback: str = "Кассир") -> Operator:
    if staff_id:
        name = tx.scalar(_STAFF_NAME, {"staff_id": staff_id})
        if name:
            return Operator(name=str(name))
    return Operator(name=fallback)


def get_state(tx: Tx, key: str) -> str | None:
    value = tx.scalar(_STATE, {"key": key})
    return str(value) if value is not None else None


def set_state(tx: Tx, key: str, value: str) -> None:
    tx.run(_SET_STATE, {"key": key, "value": value})


def last_trace(tx: Tx) -> int | None:
    value = get_state(tx, "terminal_last_trace")
    return int(value) if value else None


def remember_trace(tx: Tx, trace: int | None) -> None:
    if trace is not None:
        set_state(tx, "terminal_last_trace", str(trace))


@contextmanager
def timed(rt: Runtime, step: str) -> Iterator[None]:
    started = time.perf_counter()
    try:
        yield
    finally:
        rt.metrics.saga_step.labels(step=step).observe(time.perf_counter() - started)


def as_uuid(value: str) -> uuid.UUID:
    return uuid.UUID(value)
