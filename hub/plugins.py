"""The hub's core plugin: routers of every domain, dependencies, Problem Details handlers, request
middleware, OpenAPI at ``/schema`` and the lifespan that opens the database, the broker files and the
catalog publisher. Nothing here does I/O until the app starts.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from litestar import Litestar
from litestar.config.app import AppConfig
from litestar.di import Provide
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.openapi.spec import Components, SecurityScheme
from litestar.plugins import InitPluginProtocol
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from hub.broker.files import BrokerFiles
from hub.broker.publisher import CatalogPublisher
from hub.broker.sync import sync_broker_files
from hub.db.migrate import upgrade
from hub.db.session import create_engine, create_session_factory
from hub.domain.auth.deps import provide_principal
from hub.domain.auth.security import set_hash_cost
from hub.listing import provide_list_params
from hub.logs import configure_logging
from hub.middleware import HubRequestMiddleware
from hub.problems import exception_handlers
from hub.settings import Settings
from hub.state import HubState, Limits, provide_session

log = logging.getLogger("hub")


def route_handlers() -> list[object]:
    from hub.domain.auth.controllers import AuthController
    from hub.domain.catalog.controllers import catalog_controllers
    from hub.domain.commands.controllers import RegisterCommandController
    from hub.domain.enrollment.controllers import EnrollController, RegisterEnrollmentController
    from hub.domain.fleet.controllers import FleetController
    from hub.domain.menus.controllers import MenuController
    from hub.domain.orders.controllers import OrderController
    from hub.domain.system.controllers import handlers as system_handlers
    from hub.domain.tenants.controllers import (
        LocationController,
        OrganizationController,
        RegisterController,
        UserController,
    )

    return [
        *system_handlers,
        AuthController,
        OrganizationController,
        LocationController,
        RegisterController,
        RegisterCommandController,
        UserController,
        RegisterEnrollmentController,
        EnrollController,
        *catalog_controllers,
        MenuController,
        FleetController,
        OrderController,
    ]


async def _menu_boundaries(hub: HubState, interval: float) -> None:
    """Republish catalogs when a menu's validity starts or ends (no request triggers that)."""
    from hub.domain.menus.services import refresh_menu_boundaries

    since = None
    while True:
        await asyncio.sleep(interval)
        try:
            since = await refresh_menu_boundaries(hub, since)
        except Exception:
            log.exception("menu boundary check failed")


class HubPlugin(InitPluginProtocol):
    """Configures a Litestar app as the Yago hub for the given settings."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    @contextlib.asynccontextmanager
    async def lifespan(self, app: Litestar) -> AsyncIterator[None]:
        settings = self.settings
        if settings.db.migrate_on_start:
            await upgrade(settings.db.url)
        engine = create_engine(settings.db.url, pool_size=settings.db.pool_size, echo=settings.db.echo)
        sessions: async_sessionmaker[AsyncSession] = create_session_factory(engine)
        hub = HubState(
            settings=settings,
            engine=engine,
            sessions=sessions,
            publisher=CatalogPublisher(settings.mqtt, sessions),
            broker_files=BrokerFiles(settings.broker, settings.mqtt),
            limits=Limits.from_settings(settings),
        )
        app.state.hub = hub
        async with sessions() as session:
            await sync_broker_files(session, hub.broker_files)
        if settings.app.jwt_secret_generated:
            log.warning("no app.jwt_secret configured: using a random key; sign-ins end when the process stops")
        hub.publisher.start()
        watcher = asyncio.create_task(_menu_boundaries(hub, 30.0), name="menu-boundaries")
        hub.ready = True
        log.info("hub started", extra={"db": settings.db.url.split("@")[-1], "mqtt": settings.mqtt.enabled})
        try:
            yield
        finally:
            hub.ready = False
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
            await hub.publisher.stop()
            await engine.dispose()

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        configure_logging(self.settings.app.log_level, self.settings.app.json_logs)
        set_hash_cost(self.settings.app.hash_time_cost, self.settings.app.hash_memory_kib)
        app_config.logging_config = None  # the hub configures logging itself (JSON lines)
        app_config.route_handlers.extend(route_handlers())  # type: ignore[arg-type]
        app_config.dependencies.update(
            {
                "session": Provide(provide_session),
                "principal": Provide(provide_principal),
                "params": Provide(provide_list_params),
            }
        )
        app_config.exception_handlers.update(exception_handlers())
        app_config.middleware.append(HubRequestMiddleware())
        app_config.lifespan.append(self.lifespan)
        app_config.openapi_config = OpenAPIConfig(
            title="Yago hub API",
            version="1",
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            components=Components(
                security_schemes={"BearerAuth": SecurityScheme(type="http", scheme="bearer", bearer_format="JWT")}
            ),
            security=[{"BearerAuth": []}],
        )
        return app_config


__all__ = ["HubPlugin"]
