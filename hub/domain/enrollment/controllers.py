"""``POST /api/v1/locations/{id}/registers`` and ``/registers/{id}/enrollment-code`` (admins) issue
codes; ``POST /api/v1/enroll`` (no auth, rate-limited per address) trades a code for credentials."""

from __future__ import annotations

import uuid

from litestar import Controller, Request, post
from litestar.datastructures import State
from litestar.di import NamedDependency
from litestar.params import FromPath, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED
from sqlalchemy.ext.asyncio import AsyncSession

from hub.domain.auth.deps import requires
from hub.domain.auth.security import ADMINS, Principal
from hub.domain.enrollment import schemas as s
from hub.domain.enrollment import services
from hub.domain.tenants.services import register_out
from hub.middleware import client_address
from hub.problems import TooManyRequests
from hub.state import hub_state


class RegisterEnrollmentController(Controller):
    path = "/api/v1"
    tags = ["enrollment"]
    guards = [requires(*ADMINS)]

    @post("/locations/{location_id:uuid}/registers", operation_id="createRegister", status_code=HTTP_201_CREATED)
    async def create(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        location_id: FromPath[uuid.UUID],
        data: JSONBody[s.RegisterIn],
    ) -> s.RegisterCreated:
        """Add a register to a location; the answer carries its one-time enrollment code."""
        ttl = hub_state(state).settings.app.enrollment_code_ttl
        row, enrollment = await services.create_register(session, principal, location_id, data.name, ttl)
        return s.RegisterCreated(register=register_out(row), enrollment=enrollment)

    @post(
        "/registers/{register_id:uuid}/enrollment-code",
        operation_id="reissueEnrollmentCode",
        status_code=HTTP_201_CREATED,
    )
    async def reissue(
        self,
        state: State,
        session: NamedDependency[AsyncSession],
        principal: NamedDependency[Principal],
        register_id: FromPath[uuid.UUID],
    ) -> s.EnrollmentCode:
        """A new code for the register (to replace a box; enrolling again rotates its broker password)."""
        ttl = hub_state(state).settings.app.enrollment_code_ttl
        return await services.reissue_code(session, principal, register_id, ttl)


class EnrollController(Controller):
    path = "/api/v1/enroll"
    tags = ["enrollment"]

    @post("/", operation_id="enroll", status_code=HTTP_200_OK, security=[])
    async def enroll(
        self,
        request: Request[object, object, State],
        state: State,
        session: NamedDependency[AsyncSession],
        data: JSONBody[s.EnrollIn],
    ) -> s.EnrollOut:
        """Trade an enrollment code for the register's identity, broker credentials and staff."""
        hub = hub_state(state)
        wait = hub.limits.enroll.hit(client_address(request.scope))
        if wait is not None:
            raise TooManyRequests("too many enrollment attempts; try again later", retry_after=wait)
        return await services.enroll(session, hub, data.code)
