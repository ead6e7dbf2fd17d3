"""``create_app(settings)``: the register agent's Litestar app. Importing this module does no I/O; the
database, the devices, start-up recovery and the hub sync are opened in the lifespan and closed after it.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from importlib.metadata import PackageNotFoundError
from importlib.metadata import version as package_version
from pathlib import Path

import msgspec
import structlog
from litestar import Litestar
from sqlalchemy import delete, insert

from edge.db import models as m
from edge.db.migrate import upgrade_database
from edge.db.outbox import append_event, header
from edge.db.session import Database
from edge.domain.auth.services import hash_pin
from edge.domain.catalog.cache import CatalogCache
from edge.domain.catalog.services import apply_snapshot, load_file, load_last_good
from edge.domain.checkout.recovery import continue_sagas, recover, retry_unresolved
from edge.domain.ops.inbox import EdgeInboxHandlers
from edge.domain.runtime import Runtime
from edge.plugins import EdgeCorePlugin
from edge.settings import Settings
from protocols.events import RegisterStatusChanged
from protocols.samples import DEMO_PINS, demo_catalog

log = structlog.get_logger("edge.app")
DEMO_DEVICE_TOKEN = "demo-device-token"
DEMO_PROMO_CODES: tuple[tuple[str, str, int], ...] = (("WELCOME10", "percent", 10), ("MINUS50", "amount", 5000))
RECOVERY_RETRY_SECONDS = 15.0


def agent_version() -> str:
    try:
        return package_version("yago-pos")
    except PackageNotFoundError:
        return "0.0.0"


async def _seed_local(rt: Runtime) -> None:
    """Staff and promo codes from the config file replace the previous config-sourced rows."""
    app = rt.settings.app
    promos: list[tuple[str, str, int, bool]] = [
        (p.code.strip().upper(), p.kind, p.value, p.active) for p in app.promo_codes
    ]
    if app.demo and not promos:
        promos = [(code, kind, value, True) for code, kind, value in DEMO_PROMO_CODES]
    async with rt.db.begin() as conn:
        await conn.execute(delete(m.staff).where(m.staff.c.source == "config"))
        if app.staff:
            await conn.execute(
                insert(m.staff),
                [
                    {"id": s.id, "name": s.name, "role": s.role, "pin_hash": s.pin_hash, "source": "config"}
                    for s in app.staff
                ],
            )
        await conn.execute(delete(m.promo_codes))
        if promos:
            await conn.execute(
                insert(m.promo_codes), [{"code": c, "kind": k, "value": v, "active": a} for c, k, v, a in promos]
            )


async def _load_catalog(rt: Runtime) -> None:
    await load_last_good(rt)
    app = rt.settings.app
    if app.catalog_file:
        ok, reason = await load_file(rt, Path(app.catalog_file))
        log.info("catalog_file", path=app.catalog_file, applied=ok, reason=reason)
    if app.demo and rt.catalog.version is None:
        # Version 0: the built-in demo catalog serves until the hub's first snapshot (version ≥ 1) replaces it.
        hashes = {role: hash_pin(pin, fast=True) for role, pin in DEMO_PINS.items()}
        await apply_snapshot(rt, demo_catalog(version=0, staff_pin_hashes=hashes), source="demo")


async def _retry_recovery(rt: Runtime) -> None:
    """Keep asking the devices about unresolved operations (a device that was off at start-up)."""
    while True:
        await asyncio.sleep(RECOVERY_RETRY_SECONDS)
        if not rt.recovery_pending:
            continue
        try:
            rt.recovery_pending = await retry_unresolved(rt)
            await continue_sagas(rt)
        except Exception:
            log.exception("recovery_retry_failed")


@contextlib.asynccontextmanager
async def _runtime(settings: Settings) -> AsyncIterator[Runtime]:
    from edge.devices.manager import DeviceManager
    from edge.sync.service import SyncService

    db = Database(settings.db_url, settings.db.busy_timeout_ms)
    manager: DeviceManager | None = None
    sync: SyncService | None = None
    retry: asyncio.Task[None] | None = None
    try:
        await upgrade_database(db)
        rt = Runtime(settings=settings, db=db, catalog=CatalogCache(), version=agent_version())
        rt.metrics.count_commits(lambda: db.commits, lambda: db.syncs)
        await _seed_local(rt)
        await _load_catalog(rt)
        manager = DeviceManager.from_settings(
            settings.devices,
            settings.data_dir,
            settings.app.demo,
            shift_warning_minutes=settings.app.shift_warning_minutes,
            ofd_warning_days=settings.app.ofd_warning_days,
        )
        rt.devices = manager
        await manager.start()
        await recover(rt)
        sync = SyncService(settings.sync, db, EdgeInboxHandlers(rt), rt.version, manager.health)
        rt.sync = sync
        await sync.start()
        async with db.begin() as conn:
            append_event(
                conn,
                RegisterStatusChanged(
                    **header(), state="started", version=rt.version, catalog_version=rt.catalog.version
                ),
            )
        await rt.notify_sync()
        retry = asyncio.create_task(_retry_recovery(rt), name="edge-recovery-retry")
        rt.ready = True
        log.info("edge_ready", version=rt.version, demo=settings.app.demo, catalog=rt.catalog.version)
        yield rt
    finally:
        if retry is not None:
            retry.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await retry
        if sync is not None:
            await sync.stop()
        if manager is not None:
            await manager.stop()
        await db.dispose()


def create_app(settings: Settings) -> Litestar:
    """The register's app; ``--demo`` settings get the documented demo device token when none is set."""
    if settings.app.demo and not settings.app.device_token:
        settings = msgspec.structs.replace(
            settings, app=msgspec.structs.replace(settings.app, device_token=DEMO_DEVICE_TOKEN)
        )

    @contextlib.asynccontextmanager
    async def lifespan(app: Litestar) -> AsyncIterator[None]:
        async with _runtime(settings) as rt:
            app.state.runtime = rt
            try:
                yield
            finally:
                app.state.runtime = None

    version = agent_version()
    return Litestar(
        plugins=[EdgeCorePlugin(version)],
        lifespan=[lifespan],
        logging_config=None,
        debug=False,
        request_max_body_size=1_048_576,
    )
