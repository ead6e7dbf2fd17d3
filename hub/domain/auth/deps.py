"""Route guards (authenticated, one of these roles) and the ``principal`` dependency."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.connection import ASGIConnection
from litestar.datastructures import State
from litestar.handlers.base import BaseRouteHandler

from hub.domain.auth.security import Principal
from hub.problems import Forbidden, Unauthorized

_CHALLENGE = {"WWW-Authenticate": 'Bearer realm="yago"'}
_CHALLENGE_INVALID = {"WWW-Authenticate": 'Bearer realm="yago", error="invalid_token"'}
_CHALLENGE_EXPIRED = {
    "WWW-Authenticate": 'Bearer realm="yago", error="invalid_token", error_description="the access token expired"'
}

Guard = Callable[[ASGIConnection[object, object, object, State], BaseRouteHandler], Awaitable[None]]


def _principal(connection: ASGIConnection[object, object, object, State]) -> Principal:
    principal = connection.scope.get("user")
    if isinstance(principal, Principal):
        return principal
    reason = connection.scope.get("auth")
    if reason == "expired":
        raise Unauthorized("the access token has expired", slug="token-expired", headers=_CHALLENGE_EXPIRED)
    if reason == "invalid":
        raise Unauthorized("the access token is not valid", slug="token-invalid", headers=_CHALLENGE_INVALID)
    raise Unauthorized("sign in first: send a bearer token or the session cookie", headers=_CHALLENGE)


def requires(*roles: str) -> Guard:
    """A guard admitting authenticated callers, and when ``roles`` are given only those roles."""
    allowed = frozenset(roles)

    # async: Litestar runs a plain-function guard in its thread pool, a thread hop on every request
    async def guard(connection: ASGIConnection[object, object, object, State], _: BaseRouteHandler) -> None:
        principal = _principal(connection)
        if allowed and principal.role not in allowed:
            raise Forbidden(f"this needs one of the roles: {', '.join(sorted(allowed))}")

    return guard


authenticated = requires()


async def provide_principal(request: ASGIConnection[object, object, object, State]) -> Principal:
    return _principal(request)
