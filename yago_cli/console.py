"""`yago console`: the technician console for the agent on this box.

The device token and port come from the options, else from the agent's own config file
(``YAGO_EDGE_CONFIG``, else /etc/yago/edge.toml) when it is readable, so on the box itself
``yago console`` needs nothing but the technician's PIN.
"""

from __future__ import annotations

import os
from pathlib import Path

import click

DEFAULT_CONFIG = "/etc/yago/edge.toml"


def _from_agent_config(path: Path) -> tuple[str, int | None]:
    """``(device_token, port)`` from the agent's config file; empty when it cannot be read."""
    from edge.settings import SettingsError, load_settings

    if not path.is_file() or not os.access(path, os.R_OK):
        return "", None
    try:
        settings = load_settings(path, environ={})
    except SettingsError:
        return "", None
    return settings.app.device_token, settings.app.port


@click.command()
@click.option("--url", envvar="YAGO_CONSOLE_URL", default=None, help="Agent URL [default: http://127.0.0.1:PORT].")
@click.option("--device-token", envvar="YAGO_DEVICE_TOKEN", default="", help="The agent's device token.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=lambda: os.environ.get("YAGO_EDGE_CONFIG", DEFAULT_CONFIG),
    help="The agent's config file, read for the device token and port when they are not given.",
)
@click.option("--pin", envvar="YAGO_TECH_PIN", prompt="Technician PIN", hide_input=True, help="Technician PIN.")
def console(url: str | None, device_token: str, config_path: Path, pin: str) -> None:
    """Technician console for the local register agent."""
    from edge.console.app import build_app
    from edge.console.client import ConsoleTarget

    token, port = _from_agent_config(config_path)
    base_url = url or f"http://127.0.0.1:{port or 8080}"
    build_app(ConsoleTarget(base_url=base_url, device_token=device_token or token, pin=pin)).run()
