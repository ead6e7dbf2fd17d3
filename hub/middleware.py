"""Request middleware: reads the caller's access token (bearer header or httpOnly cookie), applies the
per-user request limit (per address for anonymous callers), counts requests for Prometheus and writes
one JSON log line per request.
"""

from __future__ import annotations

import logging
import time

from litestar.enums import ScopeType
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Message, Receive, Scope, Send
from prometheus_client import Counter, Histogram

from hub.domain.auth.security import InvalidToken, Principal, decode_access_token
from hub.problems import TooManyRequests
from hub.state import HubState

log = logging.getLogger("hub.http")

ACCESS_COOKIE = "yago_access"
REFRESH_COOKIE = "yago_refresh"
UNLIMITED_PATHS = ("/healthz", "/readyz", "/metrics")

REQUESTS = Counter("yago_hub_http_requests_total", "HTTP requests served by the hub API", ["method", "route", "status"])
LATENCY = Histogram("yago_hub_http_request_seconds", "HTTP request handling time", ["method", "route"])


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin-1")
    return None


def _cookie(scope: Scope, name: str) -> str | None:
    raw = _header(scope, b"cookie")
    if not raw:
        return None
    for part in raw.split(";"):
        key, _, value = part.strip().partition("=")
        if key == name:
            return value
    return None


def bearer_or_cookie(scope: Scope) -> str | None:
    auth = _header(scope, b"authorization")
    if auth and auth.lower().startswith("bearer "):
        return auth[7:].strip() or None
    return _cookie(scope, ACCESS_COOKIE)


def client_address(scope: Scope) -> str:
    client = scope.get("client")
    return str(client[0]) if client else "unknown"


class HubRequestMiddleware(ASGIMiddleware):
    """Authentication (optional here; guards enforce it), the general rate limit, metrics and access logs."""

    scopes = (ScopeType.HTTP,)

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        hub = scope["litestar_app"].state.get("hub")
        started = time.perf_counter()
        status = 500
        principal: Principal | None = None
        scope["user"] = None
        scope["auth"] = None
        token = bearer_or_cookie(scope)
        if token and isinstance(hub, HubState):
            try:
                principal = decode_access_token(token, hub.settings.app.jwt_secret)
                scope["user"] = principal
            except InvalidToken as exc:
                scope["auth"] = "expired" if "expired" in str(exc).lower() else "invalid"

        async def send_wrapper(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        route = scope.get("path_template") or "unmatched"
        try:
            if isinstance(hub, HubState) and not scope["path"].startswith(UNLIMITED_PATHS):
                key = f"user:{principal.user_id}" if principal else f"addr:{client_address(scope)}"
                wait = hub.limits.general.hit(key)
                if wait is not None:
                    status = 429
                    raise TooManyRequests("request limit reached; slow down", retry_after=wait)
            await next_app(scope, receive, send_wrapper)
        finally:
            elapsed = time.perf_counter() - started
            method = scope.get("method", "")
            REQUESTS.labels(method, route, str(status)).inc()
            LATENCY.labels(method, route).observe(elapsed)
            log.info(
                "request",
                extra={
                    "method": method,
                    "path": scope["path"],
                    "status": status,
                    "duration_ms": round(elapsed * 1000, 2),
                    "user_id": str(principal.user_id) if principal else None,
                },
            )
