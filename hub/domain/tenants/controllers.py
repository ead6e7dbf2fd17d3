"""Endpoints for the caller's organization, its locations, registers and users."""

from __future__ import annotations

import uuid
from typing import Annotated

from litestar import Controller, delete, get, patch, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_201_CREATED, HTTP_204_NO_CONTENT
from sqlalchemy.ext.asyncio import AsyncSession

from hub.broker.sync import sync_broker_files
from hub.domain.auth.deps import authenticated, requires
from hub.domain.auth.schemas import UserOut
from hub.domain.auth.security import ADMINS, MANAGERS, Principal
from hub.domain.auth.services import user_out
from hub.domain.catalog.snapshots import commit_and_publish
from hub.domain.tenants import schemas as s
from hub.domain.tenants import services
from hub.listing import ListParams
from hub.state import hub_state


class OrganizationController(Controller):
    path = "/api/v1/organization"
    tags = ["tenancy"]
    guards = [authenticated]

    @get("/", operation_id="getOrganization")
    async def get_org(
        self, session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]
    ) -> s.OrganizationOut:
        """The caller's organization."""
        org = await services.get_organization(session, principal)
        return s.OrganizationOut(id=org.id, name=org.name, created_at=org.created_at)

    @patch("/", operation_id="patchOrganization", guards=[requires("owner")])
    async def patch_org(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.OrganizationPatch],
    ) -> s.OrganizationOut:
        """Rename the organization (owner)."""
        org = await services.get_organization(session, principal)
        org.name = data.name
        await session.commit()
        return s.OrganizationOut(id=org.id, name=org.name, created_at=org.created_at)


class LocationController(Controller):
    path = "/api/v1/locations"
    tags = ["tenancy"]
    guards = [authenticated]

    @get("/", operation_id="listLocations")
    async def list_locations(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
    ) -> s.LocationPage:
        """Locations of the organization."""
        return await services.list_locations(session, principal, params)

    @get("/{location_id:uuid}", operation_id="getLocation")
    async def get_location(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
    ) -> s.LocationOut:
        """One location."""
        return services.location_out(await services.get_location(session, principal.org_id, location_id))

    @post("/", operation_id="createLocation", status_code=HTTP_201_CREATED, guards=[requires(*ADMINS)])
    async def create_location(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.LocationIn],
    ) -> s.LocationOut:
        """Open a location; its first catalog snapshot is published at once."""
        row = await services.create_location(session, principal, data)
        await commit_and_publish(session, hub_state(state), principal.org_id, [row.id])
        return services.location_out(row)

    @patch("/{location_id:uuid}", operation_id="patchLocation", guards=[requires(*ADMINS)])
    async def patch_location(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        data: JSONBody[s.LocationPatch],
    ) -> s.LocationOut:
        """Change a location's details (a currency change republishes its catalog)."""
        row = await services.patch_location(session, principal, location_id, data)
        await commit_and_publish(session, hub_state(state), principal.org_id, [row.id])
        return services.location_out(row)

    @delete(
        "/{location_id:uuid}",
        operation_id="deleteLocation",
        guards=[requires(*ADMINS)],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_location(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
    ) -> None:
        """Close a location with its registers (their broker accounts are removed)."""
        await services.delete_location(session, principal, location_id)
        await sync_broker_files(session, hub_state(state).broker_files)


class RegisterController(Controller):
    path = "/api/v1/registers"
    tags = ["tenancy"]
    guards = [requires(*MANAGERS)]

    @get("/", operation_id="listRegisters")
    async def list_registers(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
        location: Annotated[uuid.UUID | None, QueryParameter(name="location")] = None,
    ) -> s.RegisterPage:
        """Registers of the organization, optionally of one location."""
        return await services.list_registers(session, principal, params, location)

    @get("/{register_id:uuid}", operation_id="getRegister")
    async def get_register(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        register_id: FromPath[uuid.UUID],
    ) -> s.RegisterOut:
        """One register."""
        return services.register_out(await services.get_register(session, principal.org_id, register_id))

    @patch("/{register_id:uuid}", operation_id="patchRegister", guards=[requires(*ADMINS)])
    async def patch_register(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        register_id: FromPath[uuid.UUID],
        data: JSONBody[s.RegisterPatch],
    ) -> s.RegisterOut:
        """Rename a register."""
        row = await services.get_register(session, principal.org_id, register_id)
        row.name = data.name
        await session.commit()
        return services.register_out(row)

    @delete(
        "/{register_id:uuid}",
        operation_id="deleteRegister",
        guards=[requires(*ADMINS)],
        status_code=HTTP_204_NO_CONTENT,
    )
    async def delete_register(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        register_id: FromPath[uuid.UUID],
    ) -> None:
        """Retire a register: its broker account stops working at once."""
        row = await services.get_register(session, principal.org_id, register_id)
        await session.delete(row)
        await session.commit()
        await sync_broker_files(session, hub_state(state).broker_files)


class UserController(Controller):
    path = "/api/v1/users"
    tags = ["tenancy"]
    guards = [authenticated]

    @get("/", operation_id="listUsers", guards=[requires(*ADMINS)])
    async def list_users(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        params: NamedDependency[ListParams],
        role: FromQuery[str | None] = None,
        location: Annotated[uuid.UUID | None, QueryParameter(name="location")] = None,
    ) -> s.UserPage:
        """Users of the organization."""
        return await services.list_users(session, principal, params, role, location)

    @get("/me", operation_id="getMe")
    async def me(self, session: NamedDependency[AsyncSession], principal: NamedDependency[Principal]) -> UserOut:
        """The signed-in user."""
        return await user_out(session, await services.get_user(session, principal.org_id, principal.user_id))

    @get("/{user_id:uuid}", operation_id="getUser", guards=[requires(*ADMINS)])
    async def get_user(
        self,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
    ) -> UserOut:
        """One user."""
        return await user_out(session, await services.get_user(session, principal.org_id, user_id))

    @post("/", operation_id="createUser", guards=[requires(*ADMINS)], status_code=HTTP_201_CREATED)
    async def create_user(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        data: JSONBody[s.UserIn],
    ) -> UserOut:
        """Add a user directly (e.g. register staff with a PIN and no login)."""
        row = await services.create_user(session, principal, data)
        out = await user_out(session, row)
        await commit_and_publish(session, hub_state(state), principal.org_id, out.location_ids)
        return out

    @patch("/{user_id:uuid}", operation_id="patchUser", guards=[requires(*ADMINS)])
    async def patch_user(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
        data: JSONBody[s.UserPatch],
    ) -> UserOut:
        """Change a user's name, role, credentials, PIN, locations or active flag."""
        row, touched = await services.patch_user(session, principal, user_id, data)
        out = await user_out(session, row)
        await commit_and_publish(session, hub_state(state), principal.org_id, touched)
        return out

    @delete("/{user_id:uuid}", operation_id="deleteUser", guards=[requires(*ADMINS)], status_code=HTTP_204_NO_CONTENT)
    async def delete_user(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        user_id: FromPath[uuid.UUID],
    ) -> None:
        """Remove a user (their PIN leaves the registers' staff lists)."""
        touched = await services.delete_user(session, principal, user_id)
        await commit_and_publish(session, hub_state(state), principal.org_id, touched)
