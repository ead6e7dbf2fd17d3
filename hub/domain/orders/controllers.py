"""``GET /api/v1/orders?location&register&dateFrom&dateTo&status`` and ``GET /api/v1/orders/{id}``."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromPath, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from hub.domain.auth.deps import requires
from hub.domain.auth.security import MANAGERS, Principal
from hub.domain.orders import schemas as s
from hub.domain.orders import services
from hub.listing import ListParams
from hub.problems import BadRequest


def _aware(value: datetime | None, name: str) -> datetime | None:
    if value is not None and value.tzinfo is None:
        raise BadRequest(f"{name} needs a time zone (e.g. 2026-11-23T00:00:00+03:00)")
    return value


class OrderController(Controller):
    path = "/api/v1/orders"
    tags = ["orders"]
    guards = [requires(*MANAGERS)]

    @get("/", operation_id="listOrders")
    async def list_(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
        location: Annotated[uuid.UUID | None, QueryParameter(name="location")] = None,
        register: Annotated[uuid.UUID | None, QueryParameter(name="register")] = None,
        date_from: Annotated[datetime | None, QueryParameter(name="dateFrom")] = None,
        date_to: Annotated[datetime | None, QueryParameter(name="dateTo")] = None,
        status: Annotated[str | None, QueryParameter(name="status", description="one status or a comma list")] = None,
    ) -> s.OrderPage:
        """Orders, newest first by default; ``dateTo`` is exclusive."""
        return await services.list_orders(
            session,
            principal,
            params,
            location_id=location,
            register_id=register,
            date_from=_aware(date_from, "dateFrom"),
            date_to=_aware(date_to, "dateTo"),
            status=status,
        )

    @get("/{order_id:uuid}", operation_id="getOrder")
    async def get_one(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        order_id: FromPath[uuid.UUID],
    ) -> s.OrderDetail:
        """One order with its lines, payments, fiscal documents, status history and refunds."""
        return await services.get_order(session, principal, order_id)
