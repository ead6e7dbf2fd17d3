"""``/api/v1/sessions``: open a cashier session by PIN, see who is signed in, sign out."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import Controller, Response, delete, get, post
from litestar.datastructures import Cookie
from litestar.params import JSONBody
from litestar.status_codes import HTTP_201_CREATED

from edge.domain.auth.services import login, logout
from edge.domain.deps import SESSION_COOKIE, CurrentActor, Rt
from edge.domain.envelope import Data


class SessionIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    pin: str = msgspec.field()


class StaffOut(msgspec.Struct, kw_only=True):
    id: str
    name: str
    role: str


class SessionOut(msgspec.Struct, kw_only=True):
    token: str
    staff: StaffOut
    expires_at: datetime


def staff_out(actor: CurrentActor) -> StaffOut:
    return StaffOut(id=str(actor.staff_id), name=actor.name, role=actor.role)


class SessionController(Controller):
    path = "/sessions"
    tags = ("auth",)

    @post("/", operation_id="openSession", status_code=HTTP_201_CREATED, dependencies={})
    async def open(self, rt: Rt, data: JSONBody[SessionIn]) -> Response[Data[SessionOut]]:
        """Open a session by PIN. The token goes in ``X-Session-Token`` (or the ``yago_session`` cookie, set here)."""
        token, actor, expires = await login(rt, data.pin)
        cookie = Cookie(key=SESSION_COOKIE, value=token, httponly=True, samesite="strict", path="/")
        body = Data(SessionOut(token=token, staff=staff_out(actor), expires_at=expires))
        return Response(body, status_code=HTTP_201_CREATED, cookies=[cookie])

    @get("/current", operation_id="currentSession")
    async def current(self, actor: CurrentActor) -> Data[StaffOut]:
        """Who is signed in on this session."""
        return Data(staff_out(actor))

    @delete("/current", operation_id="closeSession", status_code=204)
    async def close(self, rt: Rt, actor: CurrentActor) -> None:
        """Sign out."""
        await logout(rt, actor)
