"""Dependencies shared by every router: the runtime, the signed-in actor, the device-token guard."""

from __future__ import annotations

import hmac
from typing import Annotated, Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from litestar.handlers.base import BaseRouteHandler
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


async def device_token_guard(connection: ASGIConnection[Any, Any, Any, Any], _: BaseRouteHandler) -> None:
    # async: Litestar runs a plain-function guard in its thread pool, a thread hop on every request
    runtime = connection.app.state.get("runtime")
    expected = runtime.settings.app.device_token if isinstance(runtime, Runtime) else ""
    given = connection.headers.get(DEVICE_TOKEN_HEADER, "")
    if not expected or not hmac.compare_digest(given.encode(), expected.encode()):
        raise Problem(401, "device_token", "Unknown device", f"{DEVICE_TOKEN_HEADER} is missing or wrong")


IdempotencyKey = Annotated[str | None, HeaderParameter(name="Idempotency-Key", required=False, max_length=200)]
Rt = NamedDependency[Runtime]
CurrentActor = NamedDependency[Actor]

DEPENDENCIES = {"rt": Provide(provide_runtime, sync_to_thread=False), "actor": Provide(provide_actor)}
