"""`yago sim atol`: the ATOL Web Server emulator in the foreground, until Ctrl-C or SIGTERM.

Fault flags arm the emulator at start; one-shot faults (drops, paper/cover after commit) fire once and
are re-armed through ``POST /admin/faults``.
"""

from __future__ import annotations

import signal
import threading
from pathlib import Path
from types import FrameType

import click

from drivers.sim.atol import DEFAULT_PORT, DEFAULT_SERIAL, AtolEmulator, AtolFaults


@click.command("atol")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=DEFAULT_PORT, show_default=True, type=int, help="TCP port (0 picks a free one).")
@click.option(
    "--state",
    "state_dir",
    default=Path("var/atol/state"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Fiscal storage and request database; survives restarts.",
)
@click.option(
    "--journal",
    "journal_dir",
    default=Path("var/atol/journal"),
    show_default=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Where every fiscal document lands as <FD>.json and its paper as <FD>.txt.",
)
@click.option("--serial", default=DEFAULT_SERIAL, show_default=True, help="Device serial number (ЗН ККТ).")
@click.option("--paper-out-after-commit", is_flag=True, help="The next document closes in the FN, then paper runs out.")
@click.option(
    "--cover-open-after-commit", is_flag=True, help="The next document closes in the FN, then the cover opens."
)
@click.option("--drop-before-commit", is_flag=True, help="Drop the next document request unanswered and unexecuted.")
@click.option("--drop-after-commit", is_flag=True, help="Execute the next document request, then drop the answer.")
@click.option("--forget-request", is_flag=True, help="With --drop-after-commit: the Web Server forgets that uuid too.")
@click.option("--delay", default=0.0, show_default=True, type=float, help="Seconds each task spends inProgress.")
@click.option("--ofd-down", is_flag=True, help="The OFD is unreachable: documents pile up unsent.")
def atol(
    host: str,
    port: int,
    state_dir: Path,
    journal_dir: Path,
    serial: str,
    paper_out_after_commit: bool,
    cover_open_after_commit: bool,
    drop_before_commit: bool,
    drop_after_commit: bool,
    forget_request: bool,
    delay: float,
    ofd_down: bool,
) -> None:
    """ATOL fiscal registrar behind an ATOL Web Server API (/api/v2/requests)."""
    faults = AtolFaults(
        paper_out_after_commit=paper_out_after_commit,
        cover_open_after_commit=cover_open_after_commit,
        drop_before_commit=drop_before_commit,
        drop_after_commit=drop_after_commit,
        forget_request=forget_request,
        delay=delay,
        ofd_down=ofd_down,
    )
    emulator = AtolEmulator(state_dir, journal_dir, host=host, port=port, faults=faults, serial=serial)
    stop = threading.Event()

    def on_signal(signum: int, frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    emulator.start()
    state = emulator.admin_state()
    click.echo(
        f"ATOL emulator on {emulator.url} (FN {state['fnSerial']}, last FD {state['lastDocumentNumber']}); "
        f"state {state_dir}, journal {journal_dir}",
        err=True,
    )
    try:
        while not stop.wait(0.5):
            pass
    finally:
        emulator.stop()
        click.echo("ATOL emulator stopped", err=True)
