"""`yago edge run|enroll`: the register agent.

``yago edge run --demo`` starts a self-contained register: the device emulators (ATOL fiscal registrar,
ESC/POS printer, ZVT terminal) run in-process with their state under ``<data-dir>/sim`` so a restart sees
the same fiscal storage and terminal; the demo coffee-shop catalog is loaded with staff PINs
cashier 1111, manager 2222, kitchen 3333, technician 4444; the device token is ``demo-device-token``
(send it as ``X-Device-Token``); promo codes WELCOME10 (10 %) and MINUS50 (50 ₽) exist.
Without ``--data-dir`` the demo keeps its data in ``~/.local/share/yago/edge-demo``.
"""

from __future__ import annotations

import importlib
import os
import socket
from pathlib import Path

import click


@click.group()
def edge() -> None:
    """The register agent."""


@edge.command()
@click.option("--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help="TOML settings file.")
@click.option("--demo", is_flag=True, help="Emulated devices, demo catalog, demo PINs and device token.")
@click.option("--host", help="Interface to listen on (default from settings: 0.0.0.0).")
@click.option("--port", type=int, help="Port to listen on (default 8080).")
@click.option(
    "--data-dir", type=click.Path(file_okay=False, path_type=Path), help="Database and device state directory."
)
@click.option("--log-format", type=click.Choice(["json", "console"]), default="json", show_default=True)
def run(
    config_path: Path | None, demo: bool, host: str | None, port: int | None, data_dir: Path | None, log_format: str
) -> None:
    """Run the register agent (API, pages, checkout, sync) on uvicorn."""
    import uvicorn

    from edge.app import create_app
    from edge.plugins import configure_logging
    from edge.settings import SettingsError, load_settings
    from yago_cli._gc import tune_for_service

    app_overrides: dict[str, object] = {}
    if demo:
        app_overrides["demo"] = True
    if host:
        app_overrides["host"] = host
    if port:
        app_overrides["port"] = port
    if data_dir:
        app_overrides["data_dir"] = str(data_dir)
    elif demo and not os.environ.get("YAGO_EDGE__APP__DATA_DIR") and config_path is None:
        app_overrides["data_dir"] = str(Path.home() / ".local" / "share" / "yago" / "edge-demo")
    if config_path is not None:
        # The technician API edits the file the agent runs from; it finds it through this variable.
        os.environ["YAGO_EDGE_CONFIG"] = str(config_path.resolve())
    try:
        settings = load_settings(config_path, overrides={"app": app_overrides})
    except SettingsError as exc:
        raise click.ClickException(str(exc)) from exc
    configure_logging(json_logs=log_format == "json")
    app = create_app(settings)
    tune_for_service()
    config = uvicorn.Config(
        app,
        host=settings.app.host,
        port=settings.app.port,
        log_config=None,
        access_log=False,
        lifespan="on",
        loop="asyncio",  # the device transports are built and tested on the standard event loop
        timeout_graceful_shutdown=10,
    )
    # The port is taken before start-up (devices, emulators, recovery): a port in use fails at once, and
    # nothing started meanwhile (a demo emulator on an ephemeral port) can take it.
    try:
        sock = config.bind_socket()
        # inherited by every accepted connection: a response is not held back waiting for the client's ACK
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
    except SystemExit as exc:
        raise click.ClickException(f"cannot listen on {settings.app.host}:{settings.app.port}") from exc
    uvicorn.Server(config).run(sockets=[sock])


def _add_enroll() -> None:
    try:
        module = importlib.import_module("yago_cli.edge_enroll")
    except ImportError:
        return
    command = getattr(module, "enroll_command", None) or getattr(module, "enroll", None)
    if isinstance(command, click.Command):
        edge.add_command(command, name="enroll")


_add_enroll()
