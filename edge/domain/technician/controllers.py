"""``/api/v1/tech/…``: the technician console's API — device actions, the sync link and resend, recent logs,
settings and re-enrollment, and the support bundle. Every route needs a technician (or owner/admin) session.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Annotated

import msgspec
import structlog
from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from litestar.status_codes import HTTP_200_OK

from edge.domain.auth.services import TECHNICIANS, Actor, audit, require
from edge.domain.deps import CurrentActor, Rt
from edge.domain.envelope import Data
from edge.domain.runtime import Runtime
from edge.domain.technician import _config, bundle, services
from edge.domain.technician.logbuffer import BUFFER, LogRecord
from edge.problems import Problem

log = structlog.get_logger("edge.technician")
_config_lock = asyncio.Lock()

JsonScalar = str | int | float | bool | None


class ResendIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    from_seq: Annotated[int, msgspec.Meta(ge=1)]


class EnrollIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    hub_url: Annotated[str, msgspec.Meta(min_length=1, max_length=500)]
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class ConfigOut(msgspec.Struct, kw_only=True):
    settings: dict[str, object]
    editable: list[str]
    live: list[str]
    config_file: str


class ConfigChangeOut(msgspec.Struct, kw_only=True):
    changed: dict[str, JsonScalar]
    applied: list[str]
    after_restart: list[str]
    overridden_by_env: list[str]
    config_file: str
    message: str


class EnrollOut(msgspec.Struct, kw_only=True):
    register_id: str
    location_id: str
    org_id: str
    broker: str
    config_file: str
    restart_required: bool


def _tech(actor: Actor, rt: Runtime | None = None) -> None:
    require(actor, TECHNICIANS, "the technician console")
    if rt is not None:
        # values, not just keys, are masked in the log copy the console reads
        BUFFER.add_secret(rt.settings.app.device_token)
        BUFFER.add_secret(rt.settings.sync.password)


async def _audit(rt: Runtime, action: str, actor: Actor, detail: str) -> None:
    async with rt.db.begin() as conn:
        audit(conn, action, actor, detail=detail[:2000])


class TechnicianController(Controller):
    path = "/tech"
    tags = ("technician",)

    @post("/devices/{device:str}/{action:str}", operation_id="techDeviceAction", status_code=HTTP_200_OK)
    async def device_action(
        self, rt: Rt, actor: CurrentActor, device: FromPath[str], action: FromPath[str]
    ) -> Data[dict[str, object]]:
        """Printer test-print|status; drawer open; fiscal info|report-x|continue-print|close-shift;
        terminal status|end-of-day|repeat-last. Device failures are Problem Details with the driver's kind."""
        _tech(actor, rt)
        return Data(await services.run_device_action(rt, actor, device, action))

    @get("/sync", operation_id="techSync")
    async def sync(self, rt: Rt, actor: CurrentActor) -> Data[dict[str, object]]:
        """The hub link: connected, broker, acked seq, last ack, backlog, oldest unacked, next seq, last errors."""
        _tech(actor, rt)
        return Data(await services.sync_view(rt))

    @post("/sync/resend", operation_id="techResend", status_code=HTTP_200_OK)
    async def resend(self, rt: Rt, actor: CurrentActor, data: JSONBody[ResendIn]) -> Data[dict[str, object]]:
        """Publish the outbox again from ``from_seq``; the hub ignores events it already has."""
        _tech(actor, rt)
        return Data(await services.resend(rt, actor, data.from_seq))

    @get("/logs", operation_id="techLogs")
    async def logs(
        self,
        rt: Rt,
        actor: CurrentActor,
        level: FromQuery[str] = "",
        component: FromQuery[str] = "",
        after: Annotated[int, QueryParameter(ge=0)] = 0,
        limit: Annotated[int, QueryParameter(ge=1, le=2000)] = 500,
    ) -> Data[list[LogRecord]]:
        """Recent log records after ``after``, at ``level`` or worse, from ``component``; secrets masked."""
        _tech(actor, rt)
        return Data(BUFFER.query(level=level, component=component, after=after, limit=limit))

    @get("/config", operation_id="techConfig")
    async def config(self, rt: Rt, actor: CurrentActor) -> Data[ConfigOut]:
        """Every setting with secrets masked, the keys that can be changed here and the config file."""
        _tech(actor, rt)
        return Data(
            ConfigOut(
                settings=_config.masked_settings(rt.settings),
                editable=list(_config.EDITABLE),
                live=[k for k, v in _config.EDITABLE.items() if v.live],
                config_file=str(_config.config_path(rt)),
            )
        )

    @patch("/config", operation_id="techChangeConfig")
    async def change_config(
        self, rt: Rt, actor: CurrentActor, data: JSONBody[dict[str, JsonScalar]]
    ) -> Data[ConfigChangeOut]:
        """Change chosen settings (``{"section.key": value}``): checked, written to the config file (0600)
        and applied at once where that is safe; the rest takes effect after a restart."""
        _tech(actor, rt)
        try:
            changes = _config.validate(data)
        except _config.ConfigError as exc:
            raise Problem(
                422, "invalid_config", "The change was refused", str(exc), extra={"errors": exc.errors}
            ) from exc
        path = _config.config_path(rt)
        async with _config_lock:
            try:
                await asyncio.to_thread(_config.write_changes, path, changes)
            except _config.ConfigError as exc:
                raise Problem(
                    409,
                    "config_not_editable",
                    "The config file was not changed",
                    str(exc),
                    extra={"errors": exc.errors},
                ) from exc
            except OSError as exc:
                raise Problem(500, "config_write_failed", "The config file could not be written", str(exc)) from exc
            applied, later = _config.apply_live(rt, changes)
        detail = ", ".join(f"{k}={v!r}" for k, v in changes.items())
        await _audit(rt, "tech.config", actor, detail)
        log.info("technician.config_changed", keys=list(changes), file=str(path))
        message = "Applied" if not later else f"Saved; {', '.join(later)} take effect after a restart"
        return Data(
            ConfigChangeOut(
                changed=changes,
                applied=applied,
                after_restart=later,
                overridden_by_env=_config.env_overridden(changes),
                config_file=str(path),
                message=message,
            )
        )

    @post("/enroll", operation_id="techEnroll", status_code=HTTP_200_OK)
    async def enroll(self, rt: Rt, actor: CurrentActor, data: JSONBody[EnrollIn]) -> Data[EnrollOut]:
        """Enroll again with a new one-time code from the hub; the new identity is used after a restart."""
        _tech(actor, rt)
        from edge.sync.enroll import EnrollError, enroll

        try:
            hub_url = str(_config.EDITABLE["sync.hub_url"].check(data.hub_url))
        except ValueError as exc:
            raise Problem(422, "invalid_hub_url", "The hub URL is not valid", str(exc)) from exc
        path = _config.config_path(rt)
        async with _config_lock:
            try:
                # staff.json goes next to the database, so the file must name the data directory in use
                await asyncio.to_thread(_ensure_data_dir, path, str(rt.settings.data_dir))
                result = await asyncio.to_thread(enroll, hub_url, data.code, path)
            except EnrollError as exc:
                await _audit(rt, "tech.enroll", actor, f"failed: {exc}")
                raise Problem(502, "enroll_failed", "Enrollment failed", str(exc)) from exc
            except (_config.ConfigError, OSError) as exc:
                raise Problem(500, "config_write_failed", "The config file could not be written", str(exc)) from exc
        await _audit(rt, "tech.enroll", actor, f"register {result.register_id} at {hub_url}")
        log.info("technician.enrolled", register_id=str(result.register_id), broker=result.broker)
        return Data(
            EnrollOut(
                register_id=str(result.register_id),
                location_id=str(result.location_id),
                org_id=str(result.org_id),
                broker=result.broker,
                config_file=str(result.config_path),
                restart_required=True,
            )
        )

    @get("/support-bundle", operation_id="techSupportBundle", media_type="application/gzip")
    async def support_bundle(self, rt: Rt, actor: CurrentActor) -> Response[bytes]:
        """A gzip tarball: config without secrets, recent logs, integrity check, device info, status, version."""
        _tech(actor, rt)
        name, data = await bundle.support_bundle(rt, actor)
        await _audit(rt, "tech.support_bundle", actor, f"{name} {len(data)} bytes")
        return Response(
            data,
            media_type="application/gzip",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


def _ensure_data_dir(path: Path, data_dir: str) -> None:
    import tomllib

    text = path.read_text(encoding="utf-8") if path.exists() else ""
    app = tomllib.loads(text).get("app", {}) if text else {}
    if isinstance(app, dict) and "data_dir" not in app:
        _config.write_private(path, _config.set_toml_value(text, "app.data_dir", data_dir))
