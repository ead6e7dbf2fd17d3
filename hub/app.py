"""``create_app(settings)``: the hub's Litestar application. Importing this module does no I/O."""

from __future__ import annotations

from litestar import Litestar

from hub.plugins import HubPlugin
from hub.settings import Settings, load_settings


def create_app(settings: Settings | None = None) -> Litestar:
    """The hub API for ``settings`` (default: :func:`hub.settings.load_settings`)."""
    return Litestar(plugins=[HubPlugin(settings or load_settings())], debug=False)
