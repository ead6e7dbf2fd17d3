"""The pages' server side reads the register through its own public JSON API, in process (ASGI, no socket),
with the box's device token and the caller's session cookie. The pages then depend on the API contract only,
the same one the console and the browser use.
"""

from __future__ import annotations

from typing import Any

import httpx
import msgspec
from litestar import Request

from edge.domain.runtime import Runtime
from edge.domain.screens.services import LOOPBACK, SCREEN_COOKIE, paired_screen
from edge.settings import Settings

JsonObject = dict[str, object]


def runtime_of(request: Request[Any, Any, Any]) -> Runtime | None:
    """The agent's running state (None while it starts)."""
    value = request.app.state.get("runtime")
    return value if isinstance(value, Runtime) else None


def settings_of(request: Request[Any, Any, Any]) -> Settings | None:
    rt = runtime_of(request)
    return rt.settings if rt is not None else None


def trusted_screen(request: Request[Any, Any, Any]) -> bool:
    """The box's own screen (loopback) or a screen paired with this register (its signed cookie)."""
    settings = settings_of(request)
    if settings is None:
        return False
    if request.client is not None and request.client.host in LOOPBACK:
        return True
    return paired_screen(settings.app.device_token, request.cookies.get(SCREEN_COOKIE)) is not None


def device_token(request: Request[Any, Any, Any]) -> str:
    """The device token for a trusted screen; nothing for any other browser on the LAN."""
    settings = settings_of(request)
    return settings.app.device_token if settings is not None and trusted_screen(request) else ""


class ApiError(Exception):
    """A non-2xx answer: ``status`` and the Problem Details ``code`` and ``title``."""

    def __init__(self, status: int, code: str, title: str) -> None:
        super().__init__(f"{status} {code}: {title}")
        self.status = status
        self.code = code
        self.title = title


class LocalApi:
    """``await api.get("/status")`` → the decoded JSON of ``GET /api/v1/status`` answered by this very app."""

    def __init__(self, request: Request[Any, Any, Any], timeout: float = 5.0) -> None:
        headers = {"X-Device-Token": device_token(request), "Accept": "application/json"}
        cookie = request.headers.get("cookie")
        if cookie:
            headers["Cookie"] = cookie
        self._client = httpx.AsyncClient(
            transport=httpx.ASGITransport(app=request.app),  # type: ignore[arg-type]  # Litestar is an ASGI app
            base_url="http://edge.local/api/v1",
            headers=headers,
            timeout=timeout,
        )

    async def __aenter__(self) -> LocalApi:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self._client.aclose()

    async def get(self, path: str, params: dict[str, str] | None = None) -> object:
        response = await self._client.get(path, params=params)
        return self._decode(response)

    async def post(self, path: str, body: JsonObject | None = None) -> object:
        response = await self._client.post(
            path, content=msgspec.json.encode(body or {}), headers={"Content-Type": "application/json"}
        )
        return self._decode(response)

    @staticmethod
    def _decode(response: httpx.Response) -> object:
        data: object = msgspec.json.decode(response.content) if response.content else None
        if response.status_code >= 400:
            code, title = "http_error", response.reason_phrase
            if isinstance(data, dict):
                code = str(data.get("code", code))
                title = str(data.get("title", title))
            raise ApiError(response.status_code, code, title)
        return data
