"""ESC/POS printer emulator: TCP (raw 9100) and/or a pty, a journal of every job, settable faults.

``PrinterEmulator(journal_dir, tcp_port=0)`` or ``(…, pty=True)``; ``start()`` returns at once (one I/O
thread, one journal writer, plus the admin HTTP thread). Each job (up to a cut) is journaled as
``NNNN-<hint>.txt/.png/.json`` (and the raw ``.bin``). The writer lays jobs down in order while the I/O
thread keeps answering: a real printer answers DLE EOT in real time, ahead of the paper it still has to
feed. ``jobs`` waits for the writer to catch up. While paper is out, the cover open or the printer offline,
print data is dropped but DLE EOT is still answered, as a real printer does.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import selectors
import socket
import threading
import tty
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path

from drivers.printer.escpos.profiles import PrinterProfile
from drivers.sim._printer_admin import AdminServer
from drivers.sim._printer_model import DEFAULT_CODE_PAGES, DrawerKick, PrintedJob, PrintHead
from drivers.sim._printer_parser import Tokenizer
from drivers.sim._printer_render import job_hint, metadata, render_png, text_lines
from drivers.sim._printer_state import EmulatorState, status_reply

__all__ = ["EmulatorState", "JobRecord", "PrinterEmulator"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class JobRecord:
    """One journaled job."""

    n: int
    name: str  # file stem, e.g. ``0003-kassovyi-chek``
    text: str
    meta: Mapping[str, object]
    txt_path: Path
    json_path: Path
    png_path: Path | None


class _Link:
    """One connection (a TCP client or the pty) with its own parse state."""

    def __init__(self, kind: str, peer: str, head: PrintHead, send: Callable[[bytes], None]) -> None:
        self.kind = kind
        self.peer = peer
        self.head = head
        self.send = send
        self.tokenizer = Tokenizer()


class PrinterEmulator:
    def __init__(
        self,
        journal_dir: str | Path,
        *,
        tcp_port: int | None = None,
        pty: bool = False,
        host: str = "127.0.0.1",
        admin_port: int | None = 0,
        profile: PrinterProfile | None = None,
        paper_out: bool = False,
        cover_open: bool = False,
        offline: bool = False,
        render_png: bool = True,
    ) -> None:
        self.journal_dir = Path(journal_dir)
        self.profile = profile or PrinterProfile(name="generic-80mm")
        self.host = host
        self._tcp_port = 0 if tcp_port is None and not pty else tcp_port
        self._want_pty = pty
        self._admin_port = admin_port
        self.render_png = render_png
        self._state = EmulatorState(paper="out" if paper_out else "ok", cover_open=cover_open, online=not offline)
        self._code_pages = {**DEFAULT_CODE_PAGES, self.profile.codepage_slot: self.profile.codepage_name.lower()}
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self._jobs: list[JobRecord] = []
        self._unwritten = 0  # jobs handed to the writer and not yet on disk
        self._to_write: queue.Queue[tuple[int, PrintedJob, str, str] | None] = queue.Queue()
        self._writer: threading.Thread | None = None
        self._kicks: list[DrawerKick] = []
        self._dropped = 0
        self._next_n = 1
        self._listener: socket.socket | None = None
        self._master: int | None = None
        self._slave: int | None = None
        self._pty_name: str | None = None
        self._admin: AdminServer | None = None
        self._thread: threading.Thread | None = None
        self._wake: tuple[socket.socket, socket.socket] | None = None
        self._stopping = False

    # ------------------------------------------------------------------------------ lifecycle

    def start(self) -> PrinterEmulator:
        """Listen and serve from a background thread; returns at once. An emulator starts once."""
        if self._wake is not None:
            raise RuntimeError("the emulator was started already")
        self.journal_dir.mkdir(parents=True, exist_ok=True)
        self._next_n = 1 + max((_number(p.name) for p in self.journal_dir.glob("*.json")), default=0)
        self._wake = socket.socketpair()
        try:
            self._open_endpoints()
        except BaseException:
            self._release()
            raise
        self._writer = threading.Thread(target=self._write_jobs, name="printer-journal", daemon=True)
        self._writer.start()
        self._thread = threading.Thread(target=self._run, name="printer-emulator", daemon=True)
        self._thread.start()
        return self

    def _open_endpoints(self) -> None:
        if self._tcp_port is not None:
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            self._listener = listener
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            listener.bind((self.host, self._tcp_port))
            listener.listen(4)
            listener.setblocking(False)
        if self._want_pty:
            self._master, self._slave = os.openpty()
            tty.setraw(self._slave)  # no echo, no newline translation: bytes pass untouched
            self._pty_name = os.ttyname(self._slave)
        if self._admin_port is not None:
            self._admin = AdminServer(
                self.host,
                self._admin_port,
                get_state=self.admin_state,
                set_state=self.apply_admin,
                get_jobs=lambda: [dict(job.meta) for job in self.jobs],
            )
            self._admin.start()

    def stop(self) -> None:
        """Close every link (journaling what they printed without a cut), the pty and the admin port."""
        if self._thread is None:
            return
        self._stopping = True
        assert self._wake is not None
        self._wake[1].send(b"x")
        self._thread.join(timeout=10)
        self._thread = None
        if self._writer is not None:
            self._to_write.put(None)  # after every job the I/O thread handed over
            self._writer.join(timeout=10)
            self._writer = None
        self._release()

    def _release(self) -> None:
        if self._admin is not None:
            self._admin.stop()
            self._admin = None
        for fd in (self._master, self._slave):
            if fd is not None:
                os.close(fd)
        self._master = self._slave = None
        if self._listener is not None:
            self._listener.close()
        for end in self._wake or ():
            end.close()

    def __enter__(self) -> PrinterEmulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ------------------------------------------------------------------------------ addresses

    @property
    def port(self) -> int | None:
        return int(self._listener.getsockname()[1]) if self._listener is not None else None

    @property
    def pty_path(self) -> str | None:
        """The slave tty a driver opens (``/dev/pts/N``)."""
        return self._pty_name

    @property
    def admin_port(self) -> int | None:
        return self._admin.port if self._admin is not None else None

    @property
    def admin_url(self) -> str | None:
        port = self.admin_port
        return f"http://{self.host}:{port}/admin/state" if port is not None else None

    # ------------------------------------------------------------------------------ state

    @property
    def state(self) -> EmulatorState:
        with self._lock:
            return self._state

    def set_state(
        self,
        *,
        paper: str | None = None,
        cover_open: bool | None = None,
        online: bool | None = None,
        drawer_open: bool | None = None,
        replies: str | None = None,
        fault: str | None = None,
    ) -> EmulatorState:
        given = {
            "paper": paper,
            "cover_open": cover_open,
            "online": online,
            "drawer_open": drawer_open,
            "replies": replies,
            "fault": fault,
        }
        with self._lock:
            self._state = replace(self._state, **{k: v for k, v in given.items() if v is not None})  # type: ignore[arg-type]
            return self._state

    def apply_admin(self, changes: Mapping[str, object]) -> dict[str, object]:
        with self._lock:
            self._state = self._state.updated_from_json(changes)
        return self.admin_state()

    def admin_state(self) -> dict[str, object]:
        with self._changed:
            self._changed.wait_for(lambda: self._unwritten == 0, timeout=10.0)
            return {
                **self._state.to_json(),
                "jobs": len(self._jobs),
                "drawer_kicks": len(self._kicks),
                "dropped_bytes": self._dropped,
            }

    @property
    def jobs(self) -> list[JobRecord]:
        """Every job received so far, once the writer has journaled them."""
        with self._changed:
            self._changed.wait_for(lambda: self._unwritten == 0, timeout=10.0)
            return list(self._jobs)

    @property
    def drawer_kicks(self) -> list[DrawerKick]:
        with self._lock:
            return list(self._kicks)

    @property
    def dropped_bytes(self) -> int:
        with self._lock:
            return self._dropped

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[JobRecord]:
        with self._changed:
            if not self._changed.wait_for(lambda: len(self._jobs) >= count, timeout=timeout):
                raise TimeoutError(f"{len(self._jobs)} of {count} jobs after {timeout}s")
            return list(self._jobs)

    # ------------------------------------------------------------------------------ I/O thread

    def _new_head(self) -> PrintHead:
        return PrintHead(
            dots=self.profile.dots,
            columns_a=self.profile.columns_a,
            columns_b=self.profile.columns_b,
            code_pages=self._code_pages,
        )

    def _run(self) -> None:
        sel = selectors.DefaultSelector()
        assert self._wake is not None
        sel.register(self._wake[0], selectors.EVENT_READ, "wake")
        if self._listener is not None:
            sel.register(self._listener, selectors.EVENT_READ, "accept")
        links: dict[int, tuple[_Link, socket.socket | None]] = {}
        if self._master is not None:
            master = self._master
            link = _Link("pty", self._pty_name or "pty", self._new_head(), lambda b: _write_fd(master, b))
            links[master] = (link, None)
            sel.register(master, selectors.EVENT_READ, "pty")
        try:
            while not self._stopping:
                for key, _ in sel.select(timeout=1.0):
                    if key.data == "wake":
                        continue
                    if key.data == "accept":
                        self._accept(sel, links)
                        continue
                    fd = key.fd
                    link, conn = links[fd]
                    data = self._receive(fd, conn)
                    if data is None:
                        self._drop_link(sel, links, fd)
                        continue
                    if not self._handle(link, data) and conn is not None:
                        self._drop_link(sel, links, fd)
        finally:
            for fd in list(links):
                self._drop_link(sel, links, fd)
            sel.close()

    def _accept(self, sel: selectors.BaseSelector, links: dict[int, tuple[_Link, socket.socket | None]]) -> None:
        assert self._listener is not None
        try:
            conn, addr = self._listener.accept()
        except BlockingIOError:
            return
        conn.settimeout(2.0)
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        link = _Link("tcp", f"{addr[0]}:{addr[1]}", self._new_head(), conn.sendall)
        links[conn.fileno()] = (link, conn)
        sel.register(conn, selectors.EVENT_READ, "conn")

    @staticmethod
    def _receive(fd: int, conn: socket.socket | None) -> bytes | None:
        try:
            data = conn.recv(65536) if conn is not None else os.read(fd, 65536)
        except (BlockingIOError, TimeoutError):
            return b""
        except OSError:
            return None
        return data or None

    def _drop_link(
        self, sel: selectors.BaseSelector, links: dict[int, tuple[_Link, socket.socket | None]], fd: int
    ) -> None:
        link, conn = links.pop(fd)
        with contextlib.suppress(KeyError, ValueError):
            sel.unregister(fd)
        job = link.head.close()
        if job is not None:
            self._hand_over(job, link)
        if conn is not None:
            conn.close()

    def _handle(self, link: _Link, data: bytes) -> bool:
        """Apply received bytes; False when a fault says to hang up."""
        for token in link.tokenizer.feed(data):
            if token.name == "DLE EOT":
                reply = status_reply(
                    self.state, token.params[0], drawer_open_signal_high=self.profile.drawer_open_signal_high
                )
                if reply:
                    with contextlib.suppress(OSError):
                        link.send(reply)
                continue
            with self._lock:
                state = self._state
                if not state.ready:
                    self._dropped += len(token.raw)
                    continue
                if token.name == "ESC @" and state.fault == "power_loss_on_job":
                    self._state = replace(state, fault=None, replies="silent")
                    self._dropped += len(token.raw)
                    return False
            finished, kicks = link.head.apply(token)
            if kicks:
                with self._lock:
                    self._kicks.extend(kicks)
                    self._state = replace(self._state, drawer_open=True)
            for job in finished:
                self._hand_over(job, link)
        return True

    def _hand_over(self, job: PrintedJob, link: _Link) -> None:
        """Number the job in arrival order and queue it for the writer."""
        with self._lock:
            n = self._next_n
            self._next_n += 1
            self._unwritten += 1
        self._to_write.put((n, job, link.kind, link.peer))

    def _write_jobs(self) -> None:
        while (item := self._to_write.get()) is not None:
            try:
                record = self._journal(*item)
            except Exception:  # a full disk must not stop the printer answering; the job is counted lost
                log.exception("printer emulator could not journal job %d", item[0])
                with self._changed:
                    self._unwritten -= 1
                    self._changed.notify_all()
                continue
            with self._changed:
                self._jobs.append(record)
                self._unwritten -= 1
                self._changed.notify_all()

    def _journal(self, n: int, job: PrintedJob, kind: str, peer: str) -> JobRecord:
        name = f"{n:04d}-{job_hint(job)}"
        columns = (self.profile.columns_a, self.profile.columns_b)
        text = "\n".join(text_lines(job, *columns)) + "\n"
        meta: dict[str, object] = {"n": n, "name": name, "transport": kind, "peer": peer, **metadata(job)}
        base = self.journal_dir / name
        txt_path, json_path = base.with_suffix(".txt"), base.with_suffix(".json")
        txt_path.write_text(text, encoding="utf-8")
        base.with_suffix(".bin").write_bytes(bytes(job.raw))
        png_path: Path | None = None
        if self.render_png:
            png_path = base.with_suffix(".png")
            render_png(job, png_path, dots=self.profile.dots, columns_a=columns[0], columns_b=columns[1])
        json_path.write_text(json.dumps(meta, ensure_ascii=False, indent=2), encoding="utf-8")
        return JobRecord(n, name, text, meta, txt_path, json_path, png_path)


def _number(filename: str) -> int:
    head = filename.split("-", 1)[0]
    return int(head) if head.isdigit() else 0


def _write_fd(fd: int, data: bytes) -> None:
    while data:
        written = os.write(fd, data)
        data = data[written:]
