"""Dependencies shared by every router: the runtime, the signed-in actor, the device-token check."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.params import HeaderParameter

from edge.domain.auth.services import Actor, authenticate
from edge.domain.runtime import Runtime
from edge.problems import Problem

DEVICE_TOKEN_HEADER = "X-Device-Token"
SESSION_HEADER = "X-Session-Token"
SESSION_COOKIE = "yago_session"
APPROVAL_HEADER = "X-Approval-Pin"


def provide_runtime(state: State) -> Runtime:
    runtime = state.get("runtime")
    if not isinstance(runtime, Runtime):
        raise Problem(503, "starting", "The register is starting", "Try again in a moment")
    return runtime


async def provide_actor(request: Request[Any, Any, Any], rt: NamedDependency[Runtime]) -> Actor:
    token = request.headers.get(SESSION_HEADER) or request.cookies.get(SESSION_COOKIE)
    return await authenticate(rt, token)


def approval_pin(request: Request[Any, Any, Any], body_pin: str | None) -> str | None:
    return body_pin or request.headers.get(APPROVAL_HEADER)


async def require_device_token(request: Request[Any, Any, Any]) -> None:
    """The API's ``before_request`` hook: no handler runs, nor is a body read, without the device token.

    A hook rather than a guard: Litestar hands every guard a copy of the route handler, a cost on each
    request that a check of one header does not need."""
    runtime = request.app.state.get("runtime")
    expected = runtime.settings.app.device_token if isinstance(runtime, Runtime) else ""
    given = request.headers.get(DEVICE_TOKEN_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Problem(401, "device_token", "Unknown device", f"{DEVICE_TOKEN_HEADER} is missing or wrong")


IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False, max_length=200)]
Rt = NamedDependency[Runtime]
CurrentActor = NamedDependency[Actor]

DEPENDENCIES = {"rt": Provide(provide_runtime, sync_to_thread=False), "actor": Provide(provide_actor)}
