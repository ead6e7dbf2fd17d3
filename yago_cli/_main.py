"""Root click group; each subcommand lives in its own module and is imported only when invoked."""

from __future__ import annotations

import importlib

import click


class LazyGroup(click.Group):
    """A click group whose subcommands are `module:attribute` strings resolved on first use."""

    def __init__(self, *args: object, lazy: dict[str, tuple[str, str]] | None = None, **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self._lazy = lazy or {}

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self._lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self._lazy:
            target, _ = self._lazy[cmd_name]
            module_name, attr = target.split(":")
            command = getattr(importlib.import_module(module_name), attr)
            assert isinstance(command, click.Command)
            return command
        return super().get_command(ctx, cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help_text) for name, (_, help_text) in sorted(self._lazy.items())]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)


@click.group(
    cls=LazyGroup,
    lazy={
        "demo": ("yago_cli.demo:demo", "Run the whole chain on this machine: broker, hub, two registers."),
        "edge": ("yago_cli.edge:edge", "The register agent: run, enroll."),
        "hub": ("yago_cli.hub:hub", "The central hub: run (API and pages), ingest (MQTT workers)."),
        "console": ("yago_cli.console:console", "Technician console for the local register agent."),
        "sim": ("yago_cli.sim:sim", "Device emulators: atol, printer, terminal."),
        "db": ("yago_cli.db:db", "Database migrations: upgrade."),
    },
)
@click.version_option(package_name="yago-pos", prog_name="yago")
def main() -> None:
    """Yago POS: register agent, hub, device emulators and tools."""
