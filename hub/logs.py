"""Logging: stdlib loggers rendered by structlog, one JSON object per line in production.

Values passed as ``extra={...}`` become keys of the line; nothing secret is ever passed.
"""

from __future__ import annotations

import logging
import sys

import structlog


def _drop_color(_: object, __: str, event: structlog.types.EventDict) -> structlog.types.EventDict:
    event.pop("color_message", None)  # uvicorn's ANSI-coloured duplicate of the message
    return event


def configure_logging(level: str = "INFO", json: bool = True) -> None:
    renderer: structlog.types.Processor = (
        structlog.processors.JSONRenderer() if json else structlog.dev.ConsoleRenderer(colors=False)
    )
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[
            structlog.stdlib.add_log_level,
            structlog.stdlib.add_logger_name,
            structlog.stdlib.ExtraAdder(),
            _drop_color,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
        ],
        processors=[
            structlog.stdlib.ProcessorFormatter.remove_processors_meta,
            structlog.processors.format_exc_info,
            renderer,
        ],
    )
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(formatter)
    handler.set_name("yago-hub")
    root = logging.getLogger()
    root.handlers = [h for h in root.handlers if h.get_name() != "yago-hub"]
    root.addHandler(handler)
    root.setLevel(level.upper())
