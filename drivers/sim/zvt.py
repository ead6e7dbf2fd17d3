"""ZVT card terminal emulator (the PT side): TCP on port 20007 like a real terminal, or a pty pair speaking
the serial framing, with a journal directory that keeps its counters, batch and last receipt across
restarts, behaviour knobs and fault injection, and an admin HTTP endpoint to change them while it runs.

In-process: ``emu = ZvtEmulator(journal_dir, port=0); emu.start(); … emu.port …; emu.stop()``, or
``ZvtEmulator(journal_dir, pty=True)`` and ``emu.pty_path``. Standalone: ``yago sim terminal``.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import threading
import tty
from datetime import tzinfo
from pathlib import Path

import msgspec

from drivers.sim._zvt_admin import AdminServer
from drivers.sim._zvt_knobs import KnobBox, ZvtKnobs
from drivers.sim._zvt_link import PtyPtLink, TcpPtLink
from drivers.sim._zvt_session import PtDevice, PtSession
from drivers.sim._zvt_state import StateStore, TerminalState, Transaction

__all__ = ["DEFAULT_PORT", "DEFAULT_TERMINAL_ID", "TerminalState", "Transaction", "ZvtEmulator", "ZvtKnobs"]

log = logging.getLogger(__name__)

DEFAULT_PORT = 20007
DEFAULT_TERMINAL_ID = "52000001"
DEFAULT_PASSWORD = "000000"


class ZvtEmulator:
    """One emulated terminal. Runs its own event loop in a background thread; every public method is
    safe to call from any thread (including a test's event loop)."""

    def __init__(
        self,
        journal_dir: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        pty: bool = False,
        pty_link: Path | str | None = None,
        admin_port: int | None = 0,
        knobs: ZvtKnobs | None = None,
        password: str = DEFAULT_PASSWORD,
        terminal_id: str = DEFAULT_TERMINAL_ID,
        currency: int = 643,
        encoding: str = "cp866",
        t3: float = 5.0,
        link_ack_timeout: float = 1.0,
        tz: tzinfo | None = None,
        seed: int | None = None,
        durable: bool = True,
    ) -> None:
        if len(terminal_id) != 8 or not terminal_id.isdigit():
            raise ValueError("the terminal id is eight digits")
        if len(password) != 6 or not password.isdigit():
            raise ValueError("the password is six digits")
        self.journal_dir = Path(journal_dir)
        self.host = host
        self._requested_port = port
        self.pty = pty or pty_link is not None
        self.pty_link = Path(pty_link) if pty_link is not None else None
        self._requested_admin_port = admin_port
        self.knobs = KnobBox(knobs, seed=seed)
        self.password = password
        self.terminal_id = terminal_id
        self.currency = currency
        self.encoding = encoding
        self.t3 = t3
        self.link_ack_timeout = link_ack_timeout
        self.tz = tz
        self.durable = durable
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._server: asyncio.Server | None = None
        self._sessions: set[asyncio.Task[None]] = set()
        self._links: set[TcpPtLink] = set()
        self._pty_fds: tuple[int, int] | None = None
        self._pty_link_obj: PtyPtLink | None = None
        self._admin: AdminServer | None = None
        self._store: StateStore | None = None
        self._device: PtDevice | None = None

    # ------------------------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        if self._server is None or not self._server.sockets:
            return self._requested_port
        return int(self._server.sockets[0].getsockname()[1])

    @property
    def pty_path(self) -> str:
        """The device path the ECR opens (the symlink when one was asked for)."""
        if self._pty_fds is None:
            raise RuntimeError("not serving a pty")
        return str(self.pty_link) if self.pty_link is not None else os.ttyname(self._pty_fds[1])

    @property
    def admin_port(self) -> int | None:
        return self._admin.port if self._admin is not None else None

    @property
    def admin_url(self) -> str | None:
        return f"http://{self.host}:{self._admin.port}/admin" if self._admin is not None else None

    def start(self) -> None:
        """Load the journal, open the port or pty and serve in the background; returns at once."""
        if self._thread is not None:
            raise RuntimeError("already started")
        self._store = StateStore(self.journal_dir, durable=self.durable)
        loop = asyncio.new_event_loop()
        self._loop = loop
        self._thread = threading.Thread(target=loop.run_forever, name="zvt-emulator", daemon=True)
        self._thread.start()
        try:
            asyncio.run_coroutine_threadsafe(self._astart(), loop).result(timeout=10)
            if self._requested_admin_port is not None:
                self._admin = AdminServer(
                    (self.host, self._requested_admin_port),
                    state=self.admin_state,
                    config=self.knobs.current.to_json,
                    configure=self.knobs.update,
                )
                self._admin.start()
        except BaseException:
            self.stop()
            raise
        log.info("ZVT emulator serving", extra={"port": self.port, "pty": self.pty})

    async def _astart(self) -> None:
        assert self._store is not None
        self._device = PtDevice(
            self._store,
            self.knobs,
            password=self.password,
            terminal_id=self.terminal_id,
            currency=self.currency,
            encoding=self.encoding,
            t3=self.t3,
            tz=self.tz,
        )
        if self.pty:
            self._open_pty()
        else:
            self._server = await asyncio.start_server(self._on_connection, self.host, self._requested_port)

    def _open_pty(self) -> None:
        assert self._device is not None
        master, slave = os.openpty()
        tty.setraw(slave)  # no echo: the terminal must not read back what it wrote
        self._pty_fds = (master, slave)  # the slave stays open here so the master never sees a hang-up
        if self.pty_link is not None:
            with contextlib.suppress(FileNotFoundError):
                self.pty_link.unlink()
            self.pty_link.symlink_to(os.ttyname(slave))
        link = PtyPtLink(master, self.knobs, link_ack_timeout=self.link_ack_timeout)
        self._pty_link_obj = link
        self._track(asyncio.create_task(PtSession(self._device, link).serve(), name="zvt-pty-session"))

    def _track(self, task: asyncio.Task[None]) -> None:
        self._sessions.add(task)
        task.add_done_callback(self._sessions.discard)

    async def _on_connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        assert self._device is not None
        link = TcpPtLink(reader, writer, self.knobs)
        self._links.add(link)
        session = asyncio.create_task(PtSession(self._device, link).serve(), name="zvt-tcp-session")
        self._track(session)
        try:
            await asyncio.wait([session])  # never raises: a cancelled session must not upset the server
        finally:
            self._links.discard(link)
            await link.close()

    def stop(self) -> None:
        """Close the port or pty, end the sessions and the thread. The journal stays on disk."""
        if self._admin is not None:
            self._admin.stop()
            self._admin = None
        loop, thread = self._loop, self._thread
        if loop is None or thread is None:
            return
        if loop.is_running():
            with contextlib.suppress(Exception):
                asyncio.run_coroutine_threadsafe(self._astop(), loop).result(timeout=10)
            loop.call_soon_threadsafe(loop.stop)
        thread.join()
        loop.close()
        self._loop = self._thread = None

    async def _astop(self) -> None:
        if self._server is not None:
            self._server.close()
        for link in list(self._links):
            await link.drop()  # a TCP session ends by itself once its connection is gone
        if self._sessions:
            _, stragglers = await asyncio.wait(set(self._sessions), timeout=0 if self.pty else 2.0)
            for task in stragglers:
                task.cancel()
            await asyncio.gather(*stragglers, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None
        if self._pty_link_obj is not None:
            self._pty_link_obj.close()
            self._pty_link_obj = None
        if self._pty_fds is not None:
            for fd in self._pty_fds:
                with contextlib.suppress(OSError):
                    os.close(fd)
            self._pty_fds = None
            if self.pty_link is not None:
                with contextlib.suppress(FileNotFoundError):
                    self.pty_link.unlink()

    def __enter__(self) -> ZvtEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------ knobs & state

    def configure(self, **changes: object) -> dict[str, object]:
        """Change knobs while running: ``configure(outcome="decline", delay=0.3)``; returns all knobs."""
        return self.knobs.update(changes)

    def journal(self) -> TerminalState:
        """A copy of the persistent state: counters, every transaction, closed batches."""
        if self._store is None:
            return StateStore(self.journal_dir, durable=False).snapshot()
        return self._store.snapshot()

    def charges(self, amount: int | None = None) -> list[Transaction]:
        """Approved sales (optionally of ``amount``): what the cardholders were charged."""
        return [
            t
            for t in self.journal().transactions
            if t.kind == "sale" and t.approved and (amount is None or t.amount == amount)
        ]

    def admin_state(self) -> dict[str, object]:
        state = self.journal()
        open_batch = state.open_batch()
        return {
            "trace": state.trace,
            "receiptNumber": state.receipt,
            "turnover": state.turnover,
            "batch": state.batch,
            "batchTotal": sum(t.signed_amount for t in open_batch),
            "batchCount": sum(1 for t in open_batch if t.signed_amount),
            "lastTrace": state.last_trace,
            "transactions": msgspec.to_builtins(state.transactions[-50:]),
            "closures": msgspec.to_builtins(state.closures[-10:]),
            "knobs": self.knobs.current.to_json(),
        }
