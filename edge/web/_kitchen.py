"""What the kitchen display and the ready board show: today's kitchen tickets read from the register database,
and one shared watcher per app that notices changes (one cheap query a second however many screens listen)
and wakes every open event stream. Changes themselves go through the API, so every arrow keeps its outbox event.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from edge.db import models as m
from edge.domain.runtime import Runtime

# Kitchen statuses shown as columns, in order; "created" tickets of unpaid drafts stay hidden (still being taken).
COLUMNS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("new", ("created", "confirmed")),
    ("cooking", ("cooking",)),
    ("ready", ("ready",)),
)
ACTIVE_KITCHEN = ("created", "confirmed", "cooking", "ready")
HIDDEN_ORDER_STATUS = ("draft", "cancelled", "paying")
PREVIOUS_STATUS = {"cooking": "confirmed", "ready": "cooking", "served": "ready", "delivered": "ready"}


_FORWARD = ("created", "confirmed", "cooking", "ready", "handed_over")


def bump_steps(shown: str, current: str, order_type: str) -> list[str]:
    """The kitchen statuses a bump walks through, from the order's ``current`` status up to where the ticket
    ``shown`` on the screen goes next (a new ticket starts cooking, cooking becomes ready, ready is handed over:
    served, or delivered for a delivery). Empty when the order is already there (two screens bumped at once)."""
    target = {"created": "cooking", "confirmed": "cooking", "cooking": "ready", "ready": "handed_over"}.get(shown)
    if target is None or current not in _FORWARD:
        return []
    steps = list(_FORWARD[_FORWARD.index(current) + 1 : _FORWARD.index(target) + 1])
    handed_over = "delivered" if order_type == "delivery" else "served"
    return [handed_over if step == "handed_over" else step for step in steps]


def recall_steps(current: str) -> list[str]:
    previous = PREVIOUS_STATUS.get(current)
    return [previous] if previous else []


RECALL_WINDOW = timedelta(minutes=30)


@dataclass(frozen=True)
class TicketLine:
    name: str
    quantity: str
    modifiers: str
    comment: str


@dataclass(frozen=True)
class Ticket:
    order_id: str
    number: str
    kitchen_status: str
    order_type: str
    table: str | None
    comment: str
    since: datetime
    updated: datetime
    lines: list[TicketLine] = field(default_factory=list)


def _quantity(text: str) -> str:
    return text.rstrip("0").rstrip(".") if "." in text else text


def _modifiers(raw: str) -> str:
    try:
        items = json.loads(raw or "[]")
    except ValueError:
        return ""
    return ", ".join(str(i.get("name", "")) for i in items if isinstance(i, dict))


async def tickets(
    rt: Runtime, statuses: tuple[str, ...] = ACTIVE_KITCHEN, changed_since: datetime | None = None
) -> list[Ticket]:
    """Orders in the given kitchen statuses that carry kitchen lines, oldest first."""
    since = datetime.now(UTC) - timedelta(days=1)
    query = (
        select(m.orders)
        .where(m.orders.c.kitchen_status.in_(statuses))
        .where(m.orders.c.status.not_in(HIDDEN_ORDER_STATUS))
        .where(m.orders.c.created_at >= since)
        .order_by(m.orders.c.created_at)
        .limit(200)
    )
    if changed_since is not None:
        query = query.where(m.orders.c.updated_at >= changed_since)
    async with rt.db.read() as conn:
        orders = (await conn.execute(query)).mappings().all()
        ids = [o["id"] for o in orders]
        lines_by_order: dict[str, list[TicketLine]] = {i: [] for i in ids}
        if ids:
            rows = await conn.execute(
                select(m.order_lines)
                .where(m.order_lines.c.order_id.in_(ids))
                .where(m.order_lines.c.kitchen.is_(True))
                .order_by(m.order_lines.c.position)
            )
            for line in rows.mappings():
                lines_by_order[line["order_id"]].append(
                    TicketLine(
                        line["name"], _quantity(line["quantity"]), _modifiers(line["modifiers"]), line["comment"]
                    )
                )
    result: list[Ticket] = []
    for order in orders:
        lines = lines_by_order[order["id"]]
        if not lines:
            continue
        result.append(
            Ticket(
                order_id=order["id"],
                number=order["number"],
                kitchen_status=order["kitchen_status"],
                order_type=order["order_type"],
                table=order["table_no"],
                comment=order["comment"] or "",
                since=order["created_at"],
                updated=order["updated_at"],
                lines=lines,
            )
        )
    return result


async def recent_served(rt: Runtime) -> list[Ticket]:
    """Tickets bumped out of "ready" lately, so a wrong bump can be recalled."""
    served = await tickets(rt, ("served", "delivered"), changed_since=datetime.now(UTC) - RECALL_WINDOW)
    return sorted(served, key=lambda t: t.updated)[-6:]


async def _fingerprint(rt: Runtime) -> tuple[object, ...]:
    async with rt.db.read() as conn:
        row = (
            await conn.execute(
                select(func.count(), func.max(m.orders.c.updated_at)).where(
                    m.orders.c.created_at >= datetime.now(UTC) - timedelta(days=1)
                )
            )
        ).one()
    return tuple(row)


class KitchenFeed:
    """Wakes listeners when today's orders change. Runs only while someone listens."""

    def __init__(self, rt: Runtime, interval: float = 1.0) -> None:
        self._rt = rt
        self._interval = interval
        self._changed = asyncio.Condition()
        self._listeners = 0
        self._task: asyncio.Task[None] | None = None
        self.version = 0

    async def _run(self) -> None:
        last: tuple[object, ...] | None = None
        while self._listeners > 0:
            with contextlib.suppress(Exception):  # a locked or restarting database must not kill the feed
                current = await _fingerprint(self._rt)
                if current != last:
                    last = current
                    async with self._changed:
                        self.version += 1
                        self._changed.notify_all()
            await asyncio.sleep(self._interval)
        self._task = None

    def poke(self) -> None:
        """Something changed through this process (a bump): wake listeners now rather than at the next poll."""

        async def _notify() -> None:
            async with self._changed:
                self.version += 1
                self._changed.notify_all()

        asyncio.get_running_loop().create_task(_notify())

    @contextlib.asynccontextmanager
    async def listening(self) -> AsyncIterator[None]:
        self._listeners += 1
        if self._task is None:
            self._task = asyncio.get_running_loop().create_task(self._run())
        try:
            yield None
        finally:
            self._listeners -= 1

    async def wait_change(self, seen: int, patience: float) -> int:
        """The version after a change past ``seen``, or ``seen`` after ``patience`` seconds (for keep-alives)."""
        async with self._changed:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(patience):
                    await self._changed.wait_for(lambda: self.version != seen)
            return self.version
