"""HTTP client for the agent's API as the technician console uses it (device token + technician PIN session)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import httpx

JsonObject = dict[str, Any]
TECHNICIAN_ROLES = ("technician", "owner", "admin")
"""Roles the agent lets use its technician API (the same set it enforces)."""


class AgentError(Exception):
    """The agent answered with a Problem Details error, or could not be reached."""

    def __init__(self, title: str, detail: str = "", status: int | None = None, code: str | None = None) -> None:
        super().__init__(f"{title}: {detail}" if detail else title)
        self.title = title
        self.detail = detail
        self.status = status
        self.code = code


@dataclass(frozen=True, slots=True)
class ConsoleTarget:
    """Where the agent is and how to sign in to it."""

    base_url: str = "http://127.0.0.1:8080"
    device_token: str = ""
    pin: str = ""
    timeout: float = 30.0


class AgentClient:
    """One session with the agent. Call :meth:`sign_in` first; every other call needs it."""

    def __init__(self, target: ConsoleTarget, transport: httpx.AsyncBaseTransport | None = None) -> None:
        self.target = target
        self._http = httpx.AsyncClient(
            base_url=target.base_url.rstrip("/") + "/api/v1",
            headers={"X-Device-Token": target.device_token},
            timeout=target.timeout,
            transport=transport,
        )
        self.staff_name = ""

    async def aclose(self) -> None:
        await self._http.aclose()

    async def sign_in(self) -> str:
        body = await self._request("POST", "/sessions", json={"pin": self.target.pin})
        data = body["data"]
        self._http.headers["X-Session-Token"] = data["token"]
        self.staff_name = str(data["staff"]["name"])
        if data["staff"]["role"] not in TECHNICIAN_ROLES:
            raise AgentError("Not a technician", f"{self.staff_name} has the role {data['staff']['role']}")
        return self.staff_name

    async def _request(self, method: str, path: str, **kwargs: Any) -> JsonObject:
        try:
            response = await self._http.request(method, path, **kwargs)
        except httpx.HTTPError as exc:
            raise AgentError("Agent unreachable", f"{self.target.base_url}: {exc}") from exc
        if response.status_code >= 400:
            try:
                problem = response.json()
            except ValueError:
                problem = {}
            raise AgentError(
                str(problem.get("title") or f"HTTP {response.status_code}"),
                str(problem.get("detail") or ""),
                response.status_code,
                problem.get("code"),
            )
        if response.status_code == 204 or not response.content:
            return {}
        result: JsonObject = response.json()
        return result

    async def _data(self, method: str, path: str, **kwargs: Any) -> JsonObject:
        body = await self._request(method, path, **kwargs)
        data = body.get("data", {})
        return data if isinstance(data, dict) else {"items": data}

    # overview
    async def status(self) -> JsonObject:
        """The agent's status: agent, hub link, backlog, devices with messages, catalog, shift, warnings."""
        return await self._data("GET", "/status")

    # devices
    async def devices(self) -> JsonObject:
        return await self.status()

    async def device_action(self, device: str, action: str, payload: Mapping[str, Any] | None = None) -> JsonObject:
        return await self._data("POST", f"/tech/devices/{device}/{action}", json=dict(payload or {}))

    # sync
    async def sync(self) -> JsonObject:
        return await self._data("GET", "/tech/sync")

    async def resend_from(self, seq: int) -> JsonObject:
        return await self._data("POST", "/tech/sync/resend", json={"from_seq": seq})

    # logs
    async def logs(self, level: str = "", component: str = "", after: int = 0) -> list[JsonObject]:
        params = {"level": level, "component": component, "after": str(after)}
        data = await self._data("GET", "/tech/logs", params={k: v for k, v in params.items() if v})
        items = data.get("items", [])
        return list(items) if isinstance(items, list) else []

    # config
    async def config(self) -> JsonObject:
        return await self._data("GET", "/tech/config")

    async def change_config(self, changes: Mapping[str, Any]) -> JsonObject:
        return await self._data("PATCH", "/tech/config", json=dict(changes))

    async def reenroll(self, hub_url: str, code: str) -> JsonObject:
        return await self._data("POST", "/tech/enroll", json={"hub_url": hub_url, "code": code})

    async def pairing_code(self) -> JsonObject:
        """A one-time code that pairs another screen on the LAN (a kitchen tablet) with the register."""
        return await self._data("POST", "/screens/pairing-codes", json={})

    # diagnostics
    async def support_bundle(self) -> bytes:
        try:
            response = await self._http.get("/tech/support-bundle")
        except httpx.HTTPError as exc:
            raise AgentError("Agent unreachable", str(exc)) from exc
        if response.status_code >= 400:
            raise AgentError(f"HTTP {response.status_code}", response.text[:200], response.status_code)
        return response.content
