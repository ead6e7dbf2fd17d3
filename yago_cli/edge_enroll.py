"""`yago edge enroll`: register this box with its hub using a one-time enrollment code."""

from __future__ import annotations

import os
from pathlib import Path

import click

from edge.sync.enroll import DEFAULT_CONFIG, EnrollError, configured_hub_url, enroll


@click.command(name="enroll")
@click.option(
    "--hub", "hub_url", default=None, help="Hub base URL, e.g. https://hub.example.com (default: sync.hub_url)."
)
@click.option("--code", required=True, help="One-time enrollment code from the hub dashboard.")
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Agent config to update (default: $YAGO_EDGE_CONFIG or /etc/yago/edge.toml).",
)
def enroll_command(hub_url: str | None, code: str, config_path: Path | None) -> None:
    """Trade CODE for this register's identity and broker credentials, and save them."""
    path = config_path or Path(os.environ.get("YAGO_EDGE_CONFIG") or DEFAULT_CONFIG)
    hub = hub_url or configured_hub_url(path)
    if not hub:
        raise click.UsageError("no --hub given and the config has no sync.hub_url")
    try:
        result = enroll(hub, code, path)
    except EnrollError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"Enrolled register {result.register_id} (location {result.location_id}).")
    click.echo(f"Broker {result.broker}; credentials saved to {result.config_path} (mode 0600).")
    click.echo(f"{result.staff_count} staff members saved to {result.staff_path}.")
    click.echo("Restart the agent to connect: systemctl restart yago-edge")
