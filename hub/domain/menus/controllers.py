"""Menu endpoints: CRUD under ``/api/v1/menus`` and ``GET /api/v1/menu/active?location=``."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from hub.db.models import catalog as m
from hub.domain.auth.deps import authenticated, requires
from hub.domain.auth.security import MANAGERS, Principal
from hub.domain.catalog._common import get_owned
from hub.domain.catalog.snapshots import commit_and_publish
from hub.domain.menus import schemas as s
from hub.domain.menus import services
from hub.listing import ListParams
from hub.state import hub_state

_write = [requires(*MANAGERS)]


class MenuController(Controller):
    path = "/api/v1"
    tags = ["menus"]
    guards = [authenticated]

    @get("/menu/active", operation_id="getActiveMenu")
    async def active(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location: Annotated[uuid.UUID, QueryParameter(name="location")],
    ) -> s.ActiveMenu:
        """The menu a location sells now, with its prices and availability."""
        return await services.active_menu_view(session, principal, location)

    @get("/menus", operation_id="listMenus")
    async def list_(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
        location: Annotated[uuid.UUID | None, QueryParameter(name="location")] = None,
    ) -> s.MenuPage:
        """Menus of the organization (of one location and chain-wide ones with ``location``)."""
        return await services.list_menus(session, principal, params, location)

    @get("/menus/{menu_id:uuid}", operation_id="getMenu")
    async def get_one(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        menu_id: FromPath[uuid.UUID],
    ) -> s.MenuOut:
        """One menu."""
        return await services.menu_out(session, await get_owned(session, m.Menu, principal.org_id, menu_id, "menu"))

    @post("/menus", operation_id="createMenu", guards=_write, status_code=HTTP_201_CREATED)
    async def create(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.MenuIn],
    ) -> s.MenuOut:
        """Add a menu."""
        row = await services.create_menu(session, principal, data)
        out = await services.menu_out(session, row)
        await commit_and_publish(session, hub_state(state), principal.org_id)
        return out

    @patch("/menus/{menu_id:uuid}", operation_id="patchMenu", guards=_write)
    async def update(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        menu_id: FromPath[uuid.UUID],
        data: JSONBody[s.MenuPatch],
    ) -> s.MenuOut:
        """Change a menu."""
        row = await services.patch_menu(session, principal, menu_id, data)
        out = await services.menu_out(session, row)
        await commit_and_publish(session, hub_state(state), principal.org_id)
        return out

    @delete("/menus/{menu_id:uuid}", operation_id="deleteMenu", guards=_write, status_code=HTTP_204_NO_CONTENT)
    async def remove(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        menu_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove a menu."""
        await session.delete(await get_owned(session, m.Menu, principal.org_id, menu_id, "menu"))
        await commit_and_publish(session, hub_state(state), principal.org_id)
