"""ATOL fiscal registrar emulator: an ATOL Web Server (``/api/v2/requests``) with a device behind it whose
fiscal storage, shift, cash counter and OFD queue persist in a state directory across restarts.

In-process: ``emu = AtolEmulator(state_dir, journal_dir, port=0); emu.start(); … emu.stop()``. Standalone:
``yago sim atol``. Requests are kept in the state database like the Web Server's own, so a uuid
still answers after a restart (a status query that runs at once is kept in memory only); finished ones are
forgotten after ``request_retention`` (a week) so status polling cannot fill the disk. A task that was running when the emulator stopped is reported as error 241
(link to the device lost) because nobody can say whether it finished; tasks still waiting run again.
"""

from __future__ import annotations

import dataclasses
import logging
import queue
import threading
from datetime import timedelta, timezone
from decimal import Decimal
from pathlib import Path

import msgspec

from drivers.sim._atol_device import AtolDevice
from drivers.sim._atol_documents import Journal
from drivers.sim._atol_faults import AtolFaults
from drivers.sim._atol_http import AtolHttpServer, DuplicateRequest
from drivers.sim._atol_store import RequestRecord, Store, TaskRecord, archived_documents, utc_now
from drivers.sim._atol_validate import CONNECTION_LOST, INTERRUPTED, TaskError

__all__ = ["DEFAULT_PORT", "DEFAULT_SERIAL", "AtolEmulator", "AtolFaults", "archived_documents"]

log = logging.getLogger(__name__)

DEFAULT_PORT = 16732
DEFAULT_SERIAL = "00106700000001"
MSK = timezone(timedelta(hours=3), "MSK")
REQUEST_RETENTION = timedelta(days=7)
_PRUNE_EVERY = 256  # accepted requests between two sweeps of finished ones

_TASK_DECODER = msgspec.json.Decoder(float_hook=Decimal)
_ENCODER = msgspec.json.Encoder(decimal_format="number")
_ONE_SHOT = frozenset({"drop_before_commit", "drop_after_commit", "forget_request"})
_FINISHED = frozenset({"ready", "error", "interrupted", "canceled"})
# Queries that change nothing on the device, with nothing queued ahead of them, live in memory only: they
# run at once, so a restart can lose one only in that instant (the uuid is then unknown and the query asked
# again), while committing each request to disk would make every status query, and the one
# before every sale, several times slower than the FN it stands for. Queued ones are kept like any other.
_READ_ONLY = frozenset(
    {
        "getDeviceInfo",
        "getDeviceStatus",
        "getFnDocument",
        "getFnInfo",
        "getFnStatus",
        "getShiftStatus",
        "ofdExchangeStatus",
    }
)


class AtolEmulator:
    """One emulated ATOL registrar behind its Web Server. Thread-safe; one worker runs tasks in FIFO order."""

    def __init__(
        self,
        state_dir: Path | str,
        journal_dir: Path | str,
        host: str = "127.0.0.1",
        port: int = DEFAULT_PORT,
        faults: AtolFaults | None = None,
        *,
        serial: str = DEFAULT_SERIAL,
        tz: timezone = MSK,
        request_retention: timedelta = REQUEST_RETENTION,
    ) -> None:
        self.state_dir = Path(state_dir)
        self.journal_dir = Path(journal_dir)
        self.host = host
        self._requested_port = port
        self.faults = faults or AtolFaults()
        self.serial = serial
        self.tz = tz
        self.request_retention = request_retention
        self._accepted = 0
        self._lock = threading.RLock()
        self._requests: dict[str, RequestRecord] = {}
        self._volatile: set[str] = set()  # read-only requests, never written to disk
        self._done: dict[str, threading.Event] = {}
        self._unfinished: set[str] = set()  # requests with a task not yet finished: the queue position
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stopping = threading.Event()
        self._store: Store | None = None
        self._device: AtolDevice | None = None
        self._server: AtolHttpServer | None = None
        self._threads: list[threading.Thread] = []
        self._bound_port = 0

    # ------------------------------------------------------------------------------- lifecycle

    @property
    def port(self) -> int:
        """The bound port (still known after stop, so a restart can take it again)."""
        return self._bound_port or self._requested_port

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def device(self) -> AtolDevice:
        if self._device is None:
            raise RuntimeError("the emulator is not started")
        return self._device

    def start(self) -> None:
        """Load the state, bind the port and serve in background threads; returns at once."""
        if self._server is not None:
            raise RuntimeError("already started")
        self._stopping.clear()
        self._store = Store(self.state_dir)
        with self._lock:
            self._device = AtolDevice(
                self._store, Journal(self.journal_dir), self.faults, serial=self.serial, tz=self.tz
            )
            self._recover_requests(self._store)
            self.prune_requests()
        self._server = AtolHttpServer((self.host, self._requested_port), self)
        self._bound_port = int(self._server.server_address[1])
        self._threads = [
            threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="atol-http"),
            threading.Thread(target=self._work, name="atol-worker"),
        ]
        for thread in self._threads:
            thread.start()
        log.info("ATOL emulator listening", extra={"url": self.url})

    def stop(self) -> None:
        """Stop serving, end open connections and join every thread. The state stays on disk."""
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        self._queue.put(None)
        server.shutdown()
        server.close_connections()
        server.server_close()
        for thread in self._threads:
            thread.join()
        self._threads = []
        self._queue = queue.Queue()
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> AtolEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _recover_requests(self, store: Store) -> None:
        self._requests.clear()
        self._volatile.clear()
        self._done.clear()
        self._unfinished.clear()
        for record in store.load_requests():
            self._requests[record.uuid] = record
            self._done[record.uuid] = threading.Event()
            self._unfinished.add(record.uuid)
            if any(t.status == "inProgress" for t in record.tasks):
                self._fail_interrupted(record, store)
            if any(t.status == "wait" for t in record.tasks):
                self._queue.put(record.uuid)
            else:
                self._finish(record.uuid)

    def _fail_interrupted(self, record: RequestRecord, store: Store) -> None:
        failed = False
        for task in record.tasks:
            if task.status == "inProgress":
                task.status, task.error_code = "error", CONNECTION_LOST
                task.error_description = "Соединение с ККТ потеряно"
                failed = True
            elif failed and task.status == "wait":
                task.status, task.error_code = "interrupted", INTERRUPTED
                task.error_description = "Прервано из-за предыдущих ошибок"
        store.save_request(record)

    # --------------------------------------------------------------------------------- faults

    def set_faults(self, **changes: bool | float | None) -> None:
        """Change faults by attribute name: ``set_faults(paper_out=True, delay=0.2)``."""
        with self._lock:
            for name, value in changes.items():
                if name not in {f.name for f in dataclasses.fields(self.faults)}:
                    raise ValueError(f"unknown fault {name!r}")
                if name == "ofd_down" and self._device is not None:
                    self._device.set_ofd_down(bool(value))
                else:
                    setattr(self.faults, name, value)

    def take_fault(self, name: str) -> bool:
        """Consume a one-shot fault; True when it was armed."""
        if name not in _ONE_SHOT:
            raise ValueError(name)
        with self._lock:
            armed = bool(getattr(self.faults, name))
            setattr(self.faults, name, False)
            return armed

    def advance_clock(self, seconds: float) -> None:
        with self._lock:
            self.device.advance_clock(seconds)

    # ------------------------------------------------------------------------------ admin API

    def admin_state(self) -> dict[str, object]:
        with self._lock:
            state = self.device.snapshot()
            state["faults"] = self.faults.to_json()
            state["requests"] = len(self._requests)
            return state

    def admin_faults(self, changes: dict[str, object] | None) -> dict[str, object]:
        with self._lock:
            if changes:
                ofd_down = changes.get("ofdDown")
                self.faults.update_from_json({k: v for k, v in changes.items() if k != "ofdDown"})
                if ofd_down is not None:
                    if not isinstance(ofd_down, bool):
                        raise ValueError("ofdDown must be true or false")
                    self.device.set_ofd_down(ofd_down)
            return self.faults.to_json()

    def admin_clock(self, advance_seconds: float) -> dict[str, object]:
        self.advance_clock(advance_seconds)
        return self.admin_state()

    # ------------------------------------------------------------------------ Web Server queue

    def accept(self, request_uuid: str, tasks: list[tuple[str, bytes]]) -> int:
        """Record a request (on disk before the POST is answered) and queue it; returns its queue position."""
        store = self._require_store()
        with self._lock:
            if request_uuid in self._requests:
                raise DuplicateRequest(request_uuid)
            record = RequestRecord(
                uuid=request_uuid,
                number=0,
                accepted_at=utc_now(),
                tasks=[TaskRecord(task=msgspec.Raw(raw), type=task_type) for task_type, raw in tasks],
            )
            record.number = len(self._unfinished) + 1
            if record.number == 1 and all(task_type in _READ_ONLY for task_type, _ in tasks):
                self._volatile.add(request_uuid)
            else:
                store.save_request(record)
            self._requests[request_uuid] = record
            self._done[request_uuid] = threading.Event()
            self._unfinished.add(request_uuid)
            self._accepted += 1
            if self._accepted % _PRUNE_EVERY == 0:
                self.prune_requests()
        self._queue.put(request_uuid)
        return record.number

    def results(self, request_uuid: str) -> bytes | None:
        with self._lock:
            record = self._requests.get(request_uuid)
            if record is None:
                return None
            return _ENCODER.encode(
                {
                    "results": [
                        {
                            "status": t.status,
                            "errorCode": t.error_code,
                            "errorDescription": t.error_description or ("Ошибок нет" if t.status == "ready" else ""),
                            "result": t.result,
                        }
                        for t in record.tasks
                    ]
                }
            )

    def cancel(self, request_uuid: str) -> bool | None:
        """Cancel a request none of whose tasks has started; None when unknown."""
        store = self._require_store()
        with self._lock:
            record = self._requests.get(request_uuid)
            if record is None:
                return None
            if any(t.status != "wait" for t in record.tasks):
                return False
            for task in record.tasks:
                task.status = "canceled"
            self._save(store, record)
            self._finish(request_uuid)
            return True

    def wait_finished(self, request_uuid: str) -> bool:
        event = self._done.get(request_uuid)
        while event is not None and not self._stopping.is_set():
            if event.wait(0.05):
                return True
        return False

    def forget(self, request_uuid: str) -> None:
        store = self._require_store()
        with self._lock:
            self._requests.pop(request_uuid, None)
            self._volatile.discard(request_uuid)
            self._unfinished.discard(request_uuid)
            store.delete_request(request_uuid)

    def prune_requests(self) -> int:
        """Forget finished requests older than ``request_retention`` (host clock); returns how many."""
        store = self._require_store()
        cutoff = utc_now() - self.request_retention
        with self._lock:
            old = [
                uid
                for uid, record in self._requests.items()
                if record.accepted_at <= cutoff and all(t.status in _FINISHED for t in record.tasks)
            ]
            for uid in old:
                del self._requests[uid]
                self._done.pop(uid, None)
                if uid in self._volatile:
                    self._volatile.discard(uid)
                else:
                    store.delete_request(uid)
        return len(old)

    def _finish(self, request_uuid: str) -> None:
        """Every task of the request has finished (the caller holds the lock)."""
        self._unfinished.discard(request_uuid)
        self._done[request_uuid].set()

    def _save(self, store: Store, record: RequestRecord) -> None:
        if record.uuid not in self._volatile:
            store.save_request(record)

    def _require_store(self) -> Store:
        if self._store is None:
            raise RuntimeError("the emulator is not started")
        return self._store

    # --------------------------------------------------------------------------------- worker

    def _work(self) -> None:
        while True:
            request_uuid = self._queue.get()
            if request_uuid is None or self._stopping.is_set():
                return
            try:
                self._run(request_uuid)
            except Exception:  # a broken request must not stop the queue behind it
                log.exception("ATOL emulator failed on a request", extra={"uuid": request_uuid})

    def _run(self, request_uuid: str) -> None:
        store = self._require_store()
        with self._lock:
            record = self._requests.get(request_uuid)
        if record is None:
            return
        for task in record.tasks:
            with self._lock:
                if self._requests.get(request_uuid) is not record or task.status != "wait":
                    continue
                if any(t.status in ("error", "interrupted") for t in record.tasks):
                    task.status, task.error_code = "interrupted", INTERRUPTED
                    task.error_description = "Прервано из-за предыдущих ошибок"
                    self._save(store, record)
                    continue
                delay = self.faults.delay
                if not delay:
                    # Nothing to wait for: run it under the same hold of the lock, so a poll that comes
                    # in meanwhile waits for the result instead of seeing inProgress and backing off. The
                    # task's document, the FN counters and its result commit together: a crash before the
                    # commit leaves the task waiting, to run once after the restart.
                    with store.atomic():
                        self._execute(task)
                        self._save(store, record)
                    continue
                task.status = "inProgress"
                self._save(store, record)
            # Stopped while the device "works": the task stays inProgress, as after a power cut.
            if self._stopping.wait(delay):
                return
            with self._lock, store.atomic():
                self._execute(task)
                self._save(store, record)
        with self._lock:
            event = self._done.get(request_uuid)
            if event is not None and all(t.status in _FINISHED for t in record.tasks):
                self._finish(request_uuid)

    def _execute(self, task: TaskRecord) -> None:
        try:
            result = self.device.execute(_TASK_DECODER.decode(task.task))
        except TaskError as exc:
            task.status, task.error_code, task.error_description = "error", exc.code, exc.description
        except msgspec.DecodeError as exc:
            task.status, task.error_code, task.error_description = "error", 501, f"Ошибка разбора JSON: {exc}"
        except Exception as exc:
            log.exception("ATOL emulator task crashed")
            task.status, task.error_code = "error", CONNECTION_LOST
            task.error_description = f"Внутренняя ошибка эмулятора: {exc!r}"
        else:
            task.status = "ready"
            task.result = msgspec.Raw(_ENCODER.encode(result))
