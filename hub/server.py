"""Serve the hub API with uvicorn (``yago hub run`` and ``python -m hub``)."""

from __future__ import annotations

import uvicorn

from hub.app import create_app
from hub.settings import Settings


def serve(settings: Settings) -> None:
    """Run until interrupted; logging is configured by the app, not by uvicorn."""
    uvicorn.run(
        create_app(settings),
        host=settings.app.host,
        port=settings.app.port,
        log_config=None,
        access_log=False,
        proxy_headers=False,
    )
