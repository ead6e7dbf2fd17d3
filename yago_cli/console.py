"""`yago console`: the technician console for the agent on this box."""

from __future__ import annotations

import os

import click


@click.command()
@click.option(
    "--url",
    default=lambda: os.environ.get("YAGO_CONSOLE_URL", "http://127.0.0.1:8080"),
    show_default="http://127.0.0.1:8080",
)
@click.option("--device-token", envvar="YAGO_DEVICE_TOKEN", default="", help="The agent's device token.")
@click.option("--pin", envvar="YAGO_TECH_PIN", prompt="Technician PIN", hide_input=True)
def console(url: str, device_token: str, pin: str) -> None:
    """Technician console for the local register agent."""
    from edge.console.app import build_app
    from edge.console.client import ConsoleTarget

    build_app(ConsoleTarget(base_url=url, device_token=device_token, pin=pin)).run()
