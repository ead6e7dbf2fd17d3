"""The core plugin that configures the register's Litestar app (routes, errors, dependencies, OpenAPI),
and structlog setup for the process (JSON lines in production, key=value on a terminal)."""

from __future__ import annotations

import logging
import sys

import structlog
from litestar import Router
from litestar.config.app import AppConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins import InitPluginProtocol

from edge.domain.auth.controllers import SessionController
from edge.domain.catalog.controllers import CatalogController
from edge.domain.checkout.controllers import CheckoutController
from edge.domain.deps import DEPENDENCIES, require_device_token
from edge.domain.ops.controllers import DevicesController, healthz, metrics, readyz, status_handler
from edge.domain.orders.controllers import OrderController
from edge.domain.screens.controllers import pairing_code_handler
from edge.domain.shifts.controllers import router as shifts_router
from edge.domain.technician import technician_router
from edge.problems import EXCEPTION_HANDLERS

API_PREFIX = "/api/v1"


def configure_logging(json_logs: bool = True, level: int = logging.INFO) -> None:
    """structlog for our loggers and the standard library's (uvicorn, alembic) through one renderer."""
    renderer: structlog.typing.Processor = (
        structlog.processors.JSONRenderer() if json_logs else structlog.dev.ConsoleRenderer(colors=False)
    )
    shared: list[structlog.typing.Processor] = [
        structlog.contextvars.merge_contextvars,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]
    structlog.configure(
        processors=[*shared, structlog.processors.format_exc_info, renderer],
        wrapper_class=structlog.make_filtering_bound_logger(level),
        logger_factory=structlog.PrintLoggerFactory(sys.stderr),
        cache_logger_on_first_use=True,
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(structlog.stdlib.ProcessorFormatter(processor=renderer, foreign_pre_chain=shared))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # one line per device HTTP call drowns the agent's own events
    logging.getLogger("httpx").setLevel(logging.WARNING)


def api_router() -> Router:
    return Router(
        path=API_PREFIX,
        before_request=require_device_token,
        route_handlers=[
            SessionController,
            CatalogController,
            OrderController,
            CheckoutController,
            shifts_router,
            DevicesController,
            status_handler,
            pairing_code_handler,
            technician_router(),
        ],
    )


class EdgeCorePlugin(InitPluginProtocol):
    """Everything the app needs besides its lifespan: the API, the pages, errors, DI and OpenAPI."""

    def __init__(self, version: str) -> None:
        self.version = version

    def on_app_init(self, app_config: AppConfig) -> AppConfig:
        app_config.route_handlers.extend([healthz, readyz, metrics, api_router()])
        app_config.exception_handlers.update(EXCEPTION_HANDLERS)  # type: ignore[arg-type]
        app_config.dependencies.update(DEPENDENCIES)
        app_config.openapi_config = OpenAPIConfig(
            title="Yago POS register API",
            version=self.version,
            path="/schema",
            render_plugins=[SwaggerRenderPlugin()],
            description="Register agent REST API. Every /api/v1 call carries X-Device-Token; most need a "
            "cashier session (X-Session-Token or the yago_session cookie). Errors are RFC 9457 Problem Details.",
        )
        try:
            from edge import web
        except ImportError as exc:  # the pages are optional for a headless box
            structlog.get_logger("edge.app").warning("web_pages_unavailable", error=str(exc))
        else:
            app_config.route_handlers.extend([web.create_web_router(), web.static_files_router()])
            app_config.template_config = web.template_config()
        return app_config
