"""`yago hub run` (API and pages on uvicorn) and `yago hub ingest` (MQTT ingest workers)."""

from __future__ import annotations

from pathlib import Path

import click


def _settings(config: Path | None, port: int | None = None, db_url: str | None = None) -> object:
    from hub.settings import load_settings

    overrides: dict[str, dict[str, object]] = {"app": {}, "db": {}}
    if port is not None:
        overrides["app"]["port"] = port
    if db_url is not None:
        overrides["db"]["url"] = db_url
    return load_settings(config, overrides=overrides)


@click.group()
def hub() -> None:
    """The central hub."""


@hub.command()
@click.option("--config", "config", type=click.Path(path_type=Path, dir_okay=False), help="TOML settings file.")
@click.option("--host", help="Address to bind (default from settings).")
@click.option("--port", type=int, help="Port to bind (default 8000).")
@click.option("--db-url", help="postgresql+asyncpg://… or sqlite+aiosqlite:///path")
def run(config: Path | None, host: str | None, port: int | None, db_url: str | None) -> None:
    """Serve the hub API (migrations are applied at start)."""
    from hub.server import serve
    from hub.settings import Settings
    from yago_cli._gc import tune_for_service

    settings = _settings(config, port, db_url)
    assert isinstance(settings, Settings)
    if host:
        settings.app.host = host
    tune_for_service()
    serve(settings)


@hub.command()
@click.option("--config", "config", type=click.Path(path_type=Path, dir_okay=False), help="TOML settings file.")
@click.option("--workers", type=click.IntRange(min=1), default=1, show_default=True, help="Ingest workers.")
@click.option("--db-url", help="Override the database URL.")
@click.option("--metrics-port", type=int, help="Serve Prometheus metrics of the workers on this port.")
def ingest(config: Path | None, workers: int, db_url: str | None, metrics_port: int | None) -> None:
    """Run the MQTT ingest workers (shared subscription) until interrupted."""
    from hub.ingest.cli import run_ingest
    from hub.settings import Settings
    from yago_cli._gc import tune_for_service

    settings = _settings(config, db_url=db_url)
    assert isinstance(settings, Settings)
    tune_for_service()
    run_ingest(settings, workers, metrics_port=metrics_port)
