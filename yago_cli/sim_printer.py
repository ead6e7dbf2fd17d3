"""`yago sim printer`: the ESC/POS printer emulator as a standalone process (TCP 9100 and/or a pty).

Prints where it listens, then runs until SIGINT/SIGTERM; its admin HTTP port takes state changes
(``POST /admin/state {"paper": "out"}``) from other processes.
"""

from __future__ import annotations

import contextlib
import os
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

import click


@click.command("printer")
@click.option("--tcp", "tcp_port", type=int, default=None, help="Listen for raw ESC/POS on this TCP port (9100).")
@click.option(
    "--pty",
    "pty_link",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Create a pty and link this path to its slave end (for example /tmp/ttyPRN).",
)
@click.option("--host", default="127.0.0.1", show_default=True, help="Address for the TCP and admin ports.")
@click.option(
    "--journal",
    "journal_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("printer-journal"),
    show_default=True,
    help="Directory for the printed jobs (.txt, .png, .json).",
)
@click.option("--admin-port", type=int, default=0, show_default=True, help="Admin HTTP port; 0 picks a free one.")
@click.option("--profile", "profile_name", default=None, help="Printer profile name or .toml path (default 80 mm).")
@click.option("--paper-out", is_flag=True, help="Start without paper.")
@click.option("--cover-open", is_flag=True, help="Start with the cover open.")
@click.option("--offline", is_flag=True, help="Start offline.")
@click.option("--no-png", is_flag=True, help="Do not render job images (faster).")
def printer(
    tcp_port: int | None,
    pty_link: Path | None,
    host: str,
    journal_dir: Path,
    admin_port: int,
    profile_name: str | None,
    paper_out: bool,
    cover_open: bool,
    offline: bool,
    no_png: bool,
) -> None:
    """Emulate an ESC/POS receipt printer with a cash drawer."""
    from drivers.printer.escpos.profiles import load_profile
    from drivers.sim.printer import PrinterEmulator

    if tcp_port is None and pty_link is None:
        raise click.UsageError("give --tcp PORT and/or --pty PATH")
    if pty_link is not None and pty_link.exists() and not pty_link.is_symlink():
        raise click.UsageError(f"{pty_link} exists and is not a symlink")
    profile = load_profile(profile_name) if profile_name else None
    emulator = PrinterEmulator(
        journal_dir,
        tcp_port=tcp_port,
        pty=pty_link is not None,
        host=host,
        admin_port=admin_port,
        profile=profile,
        paper_out=paper_out,
        cover_open=cover_open,
        offline=offline,
        render_png=not no_png,
    )
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    emulator.start()
    try:
        if emulator.port is not None:
            click.echo(f"tcp {host}:{emulator.port}")
        if pty_link is not None and emulator.pty_path is not None:
            with contextlib.suppress(FileNotFoundError):
                pty_link.unlink()
            os.symlink(emulator.pty_path, pty_link)
            click.echo(f"pty {pty_link} -> {emulator.pty_path}")
        click.echo(f"admin {emulator.admin_url}")
        click.echo(f"journal {journal_dir.resolve()}")
        sys.stdout.flush()
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        if pty_link is not None and pty_link.is_symlink():
            pty_link.unlink()
