"""``GET /api/v1/fleet/registers``: presence, last seen, versions, backlog, devices, catalog lag."""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from litestar import Controller, get
from litestar.di import NamedDependency
from litestar.params import FromQuery, QueryParameter
from sqlalchemy.ext.asyncio import AsyncSession

from hub.domain.auth.deps import requires
from hub.domain.auth.security import MANAGERS, Principal
from hub.domain.fleet import schemas as s
from hub.domain.fleet import services
from hub.listing import ListParams


class FleetController(Controller):
    path = "/api/v1/fleet"
    tags = ["fleet"]
    guards = [requires(*MANAGERS, "technician")]

    @get("/registers", operation_id="listFleetRegisters")
    async def registers(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
        location: Annotated[uuid.UUID | None, QueryParameter(name="location")] = None,
        presence: Annotated[Literal["online", "offline", "unknown"] | None, QueryParameter(name="state")] = None,
        lagging: FromQuery[bool | None] = None,
    ) -> s.FleetPage:
        """Every register of the organization with its health; ``lagging`` runs an old catalog."""
        return await services.list_fleet(session, principal, params, location, presence, lagging)
