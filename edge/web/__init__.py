"""The register's own pages: the cashier touchscreen (/pos), the kitchen display (/kds) and the ready board
(/ready), server-rendered with Jinja and HTMX, all assets served locally. ``create_app`` mounts the three
pieces below: the page router, the template config and the static files router.
"""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape
from litestar import Router
from litestar.datastructures import CacheControlHeader
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.static_files import create_static_files_router
from litestar.template.config import TemplateConfig

from edge.web.controllers import (
    KitchenController,
    PagesController,
    PairController,
    PosController,
    ReadyController,
    StatusController,
)

WEB_DIR = Path(__file__).parent
TEMPLATES_DIR = WEB_DIR / "templates"
STATIC_DIR = WEB_DIR / "static"
STATIC_PATH = "/ui/static"

__all__ = ["create_web_router", "static_files_router", "template_config"]


def create_web_router() -> Router:
    """Pages and their HTMX partials and event streams; no /api/v1 paths (those belong to the API)."""
    return Router(
        path="/",
        route_handlers=[
            PagesController,
            PairController,
            StatusController,
            PosController,
            KitchenController,
            ReadyController,
        ],
        include_in_schema=False,
    )


def template_config() -> TemplateConfig[JinjaTemplateEngine]:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES_DIR),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    return TemplateConfig(instance=JinjaTemplateEngine.from_environment(environment))


def static_files_router() -> Router:
    """CSS, scripts and the vendored htmx under /ui/static; cached for a day (the URLs carry the version)."""
    return create_static_files_router(
        path=STATIC_PATH,
        directories=[STATIC_DIR],
        cache_control=CacheControlHeader(max_age=86400),
        include_in_schema=False,
        name="web-static",
    )
