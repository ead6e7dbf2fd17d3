"""`yago db upgrade`: apply the Alembic migrations of the register agent or the hub."""

from __future__ import annotations

import importlib

import click


@click.group()
def db() -> None:
    """Database migrations."""


@db.command()
@click.argument("target", type=click.Choice(["edge", "hub"]))
@click.option("--url", help="Database URL; defaults to the target's configured database.")
def upgrade(target: str, url: str | None) -> None:
    """Upgrade TARGET's database to the newest schema."""
    module = importlib.import_module(f"{target}.db.migrate")
    module.upgrade_cli(url)
