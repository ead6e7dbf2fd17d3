"""`yago sim terminal`: the ZVT card terminal emulator in the foreground, until Ctrl-C or SIGTERM.

TCP on port 20007 by default, or the serial framing on a pty (``--pty /tmp/ttyZVT`` links the device
there). Knobs given here hold from the start; change them later through ``POST /admin/config``.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from drivers.sim.zvt import DEFAULT_PORT, DEFAULT_TERMINAL_ID, ZvtEmulator, ZvtKnobs


@click.command("terminal")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="TCP port (0 picks a free one).")
@click.option(
    "--journal",
    "journal_dir",
    default=Path("var/terminal"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Counters, batch and last receipt; survive restarts.",
)
@click.option(
    "--pty",
    "pty_link",
    default=None,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Serve the serial framing on a pty and link its device here instead of TCP.",
)
@click.option("--admin-port", default=20017, show_default=True, type=int, help="Admin HTTP port (0 picks one).")
@click.option("--terminal-id", default=DEFAULT_TERMINAL_ID, show_default=True, help="Terminal ID (8 digits).")
@click.option("--password", default="000000", show_default=True, help="ZVT password (6 digits).")
@click.option("--currency", default=643, show_default=True, type=int, help="ISO 4217 numeric currency.")
@click.option("--success-rate", default=1.0, show_default=True, type=float, help="Probability of approval.")
@click.option("--outcome", type=click.Choice(["approve", "decline"]), default=None, help="Fixed outcome.")
@click.option("--delay", default=0.0, show_default=True, type=float, help="Seconds on card, PIN and host.")
@click.option("--error-pattern", default=None, help='Regex on the amount that declines, e.g. "13$".')
@click.option("--decline-code", default=0x05, show_default=True, type=int, help="Result code of declines.")
@click.option("--auto-approve-refunds", is_flag=True, help="Approve every refund.")
@click.option("--drop-on-command", is_flag=True, help="Drop the link as the next payment command arrives.")
@click.option("--drop-before-status-ack", is_flag=True, help="Complete the next payment, drop before its ACK.")
@click.option("--drop-after-status-ack", is_flag=True, help="Complete the next payment, drop after its ACK.")
@click.option("--duplicate-status", is_flag=True, help="Send every Status-Information twice.")
@click.option("--fragment", is_flag=True, help="TCP: send APDUs in random small chunks.")
@click.option("--ignore-abort", is_flag=True, help="Acknowledge 06 B0 and carry on.")
@click.option("--eod-delay", default=0.0, show_default=True, type=float, help="Seconds an end-of-day takes.")
@click.option("--busy", is_flag=True, help="Refuse every command with 84 9C 00.")
def terminal(
    host: str,
    port: int,
    journal_dir: Path,
    pty_link: Path | None,
    admin_port: int,
    terminal_id: str,
    password: str,
    currency: int,
    success_rate: float,
    outcome: str | None,
    delay: float,
    error_pattern: str | None,
    decline_code: int,
    auto_approve_refunds: bool,
    drop_on_command: bool,
    drop_before_status_ack: bool,
    drop_after_status_ack: bool,
    duplicate_status: bool,
    fragment: bool,
    ignore_abort: bool,
    eod_delay: float,
    busy: bool,
) -> None:
    """ZVT card terminal (PT side) over TCP or a pty."""
    try:
        knobs = ZvtKnobs(
            success_rate=success_rate,
            outcome=outcome,
            delay=delay,
            error_pattern=error_pattern,
            decline_code=decline_code,
            auto_approve_refunds=auto_approve_refunds,
            drop_on_command=drop_on_command,
            drop_before_status_ack=drop_before_status_ack,
            drop_after_status_ack=drop_after_status_ack,
            duplicate_status=duplicate_status,
            fragment=fragment,
            ignore_abort=ignore_abort,
            eod_delay=eod_delay,
            busy=busy,
        )
        emulator = ZvtEmulator(
            journal_dir,
            host=host,
            port=port,
            pty_link=pty_link,
            admin_port=admin_port,
            knobs=knobs,
            password=password,
            terminal_id=terminal_id,
            currency=currency,
        )
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from exc
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator.start()
    where = f"pty {emulator.pty_path}" if emulator.pty else f"tcp://{host}:{emulator.port}"
    state = emulator.journal()
    click.echo(
        f"ZVT terminal {terminal_id} on {where}, admin {emulator.admin_url}; "
        f"last trace {state.trace}, batch {state.batch}; journal {journal_dir}",
        err=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        click.echo("ZVT terminal stopped", err=True)
