"""Per-location catalog endpoints (prices, stop-list, current snapshot) and catalog versions."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, Response, delete, get, put
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from hub.domain.auth.deps import authenticated, requires
from hub.domain.auth.security import MANAGERS, Principal
from hub.domain.catalog import locations as loc_services
from hub.domain.catalog import schemas as s
from hub.domain.catalog._routes_common import changed as _changed
from hub.domain.catalog._routes_common import write as _write
from hub.listing import ListParams
from hub.problems import NotFound


class LocationCatalogController(Controller):
    path = "/api/v1/locations/{location_id:uuid}"
    tags = ["catalog"]
    guards = [authenticated]

    @get("/prices", operation_id="listLocationPrices")
    async def prices(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        params: NamedDependency[ListParams],
    ) -> s.PricePage:
        """The location's price overrides."""
        return await loc_services.list_prices(session, principal, location_id, params)

    @put("/prices/{product_id:uuid}", operation_id="putLocationPrice", guards=_write)
    async def put_price(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        product_id: FromPath[uuid.UUID],
        data: JSONBody[s.PriceIn],
    ) -> s.PriceOut:
        """Set the location's own price for a product."""
        out = await loc_services.put_price(session, principal, location_id, product_id, data.price)
        await _changed(state, session, principal, location_id)
        return out

    @delete(
        "/prices/{product_id:uuid}", operation_id="deleteLocationPrice", guards=_write, status_code=HTTP_204_NO_CONTENT
    )
    async def delete_price(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        product_id: FromPath[uuid.UUID],
    ) -> None:
        """Go back to the product's default price."""
        await loc_services.delete_price(session, principal, location_id, product_id)
        await _changed(state, session, principal, location_id)

    @get("/stop-list", operation_id="listStopList")
    async def stop_list(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        params: NamedDependency[ListParams],
    ) -> s.StopListPage:
        """Products the location cannot sell now."""
        return await loc_services.list_stop(session, principal, location_id, params)

    @put("/stop-list/{product_id:uuid}", operation_id="putStopList", guards=[requires(*MANAGERS, "chef")])
    async def stop(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        product_id: FromPath[uuid.UUID],
    ) -> s.StopListItem:
        """Put a product on the stop-list."""
        out = await loc_services.put_stop(session, principal, location_id, product_id)
        await _changed(state, session, principal, location_id)
        return out

    @delete(
        "/stop-list/{product_id:uuid}",
        operation_id="deleteStopList",
        guards=[requires(*MANAGERS, "chef")],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def unstop(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        product_id: FromPath[uuid.UUID],
    ) -> None:
        """Take a product off the stop-list."""
        await loc_services.delete_stop(session, principal, location_id, product_id)
        await _changed(state, session, principal, location_id)

    @get("/catalog", operation_id="getLocationCatalog")
    async def snapshot(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
    ) -> Response[bytes]:
        """The location's current catalog snapshot, exactly as published to its registers."""
        payload = await loc_services.current_snapshot(session, principal, location_id)
        if payload is None:
            raise NotFound("the location has no catalog snapshot yet")
        return Response(payload, media_type="application/json")


class CatalogVersionController(Controller):
    path = "/api/v1/catalog/versions"
    tags = ["catalog"]
    guards = [requires(*MANAGERS)]

    @get("/", operation_id="listCatalogVersions")
    async def versions(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location: Annotated[uuid.UUID | None, QueryParameter(name="location")] = None,
    ) -> s.CatalogVersions:
        """Each location's current catalog version and which registers run an older one."""
        return await loc_services.catalog_versions(session, principal, location)
