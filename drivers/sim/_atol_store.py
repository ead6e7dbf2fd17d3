"""What the ATOL emulator keeps on disk, in one SQLite database (``<state>/fn.db``, WAL, synchronous=FULL):
the fiscal storage (the FN state and its document archive) and the Web Server's requests. Every change is
committed before the emulator answers, so a killed emulator restarts with exactly what it acknowledged;
the changes one task makes (its document, the FN counters and the request's result) commit together, the
way the FN closes a document and the Web Server records the result in one step.

A state directory written by an earlier version (``fn.json``, ``documents/``, ``requests/``) is imported
into the database the first time it is opened.
"""

from __future__ import annotations

import contextlib
import hashlib
import sqlite3
import threading
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import msgspec

STATE_VERSION = 1


class ShiftRecord(msgspec.Struct, kw_only=True):
    number: int = 0
    open: bool = False
    opened_at: datetime | None = None
    receipts: int = 0  # receipts (and corrections) in this shift, the next one is receipts + 1
    documents: int = 0  # fiscal documents in this shift, the open-shift report included


class FnState(msgspec.Struct, kw_only=True):
    """The fiscal storage and the counters the device keeps beside it."""

    version: int = STATE_VERSION
    device_serial: str
    fn_serial: str
    registration_number: str
    inn: str
    company_name: str
    address: str
    payments_place: str
    fns_url: str = "www.nalog.gov.ru"
    registered_at: datetime
    validity_date: datetime
    last_fd: int = 0
    shift: ShiftRecord = msgspec.field(default_factory=ShiftRecord)
    cash: int = 0  # kopecks in the drawer as the device counts them
    unsent: list[int] = msgspec.field(default_factory=list)  # FDs the OFD has not confirmed, oldest first
    unprinted: list[int] = msgspec.field(default_factory=list)  # closed in the FN, paper still owed
    last_receipt_fd: int | None = None
    clock_offset: float = 0.0  # seconds the emulated clock runs ahead of the host clock


class ItemRecord(msgspec.Struct, kw_only=True):
    name: str
    price: int  # kopecks
    quantity: Decimal
    amount: int
    discount: int = 0
    vat: str
    payment_method: str
    payment_object: str
    measurement_unit: str


class PaymentRecord(msgspec.Struct, kw_only=True):
    type: str
    amount: int


class DocumentRecord(msgspec.Struct, kw_only=True):
    """One fiscal document as the FN archive holds it."""

    number: int
    document_type: int  # fiscalDocumentType: 2 open shift, 3 receipt, 5 close shift, 31 correction…
    task: str
    at: datetime  # UTC
    sign: str  # FPD, tag 1077
    shift_number: int
    operator: str = ""
    operator_vatin: str | None = None
    receipt_number: int | None = None
    operation: int | None = None  # tag 1054
    total: int | None = None
    taxation: str | None = None
    items: list[ItemRecord] = msgspec.field(default_factory=list)
    payments: list[PaymentRecord] = msgspec.field(default_factory=list)
    change: int = 0
    electronically: bool = False
    contact: str | None = None
    receipts_count: int | None = None
    unsent_count: int | None = None
    correction_type: str | None = None
    correction_base_date: str | None = None
    correction_base_number: str | None = None
    additional_attribute: str | None = None


class TaskRecord(msgspec.Struct, kw_only=True):
    task: msgspec.Raw
    type: str
    status: str = "wait"
    error_code: int = 0
    error_description: str = ""
    result: msgspec.Raw = msgspec.Raw(b"null")  # msgspec.Raw cannot sit in a union with None


class RequestRecord(msgspec.Struct, kw_only=True):
    uuid: str
    number: int
    accepted_at: datetime
    tasks: list[TaskRecord]


def fiscal_sign(fn_serial: str, number: int, document_type: int, at: datetime, total: int | None) -> str:
    """A stable stand-in for the FN's fiscal sign: 32 bits of a hash of the document, as digits."""
    digest = hashlib.sha256(f"{fn_serial}|{number}|{document_type}|{at.isoformat()}|{total}".encode()).digest()
    return str(int.from_bytes(digest[:4], "big"))


def new_fn_state(device_serial: str, now: datetime) -> FnState:
    tail = hashlib.sha256(device_serial.encode()).hexdigest()
    digits = "".join(str(int(c, 16) % 10) for c in tail)
    return FnState(
        device_serial=device_serial,
        fn_serial="7380440" + digits[:9],
        registration_number="000" + digits[9:22],
        inn="7700000000",
        company_name="ООО «Демо Кофе»",
        address="г. Москва, ул. Примерная, д. 1",
        payments_place="Кофейня",
        registered_at=now,
        validity_date=now + timedelta(days=470),  # an FN of 15 months
    )


_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS fn (id INTEGER PRIMARY KEY CHECK (id = 1), body BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS documents (number INTEGER PRIMARY KEY, body BLOB NOT NULL)",
    "CREATE TABLE IF NOT EXISTS requests (uuid TEXT PRIMARY KEY, body BLOB NOT NULL)",
)


class Store:
    """The emulator's database under ``state_dir``. Callers serialise access (the emulator holds one lock);
    a write outside :meth:`atomic` commits on its own."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self._db = sqlite3.connect(state_dir / "fn.db", isolation_level=None, check_same_thread=False)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute("PRAGMA synchronous=FULL")
        for statement in _SCHEMA:
            self._db.execute(statement)
        self._depth = 0
        self._owner: int | None = None
        self._import_files()

    def close(self) -> None:
        self._db.close()

    @contextlib.contextmanager
    def atomic(self) -> Iterator[None]:
        """Every write inside commits together (one fsync), or none does; nests."""
        if self._depth and self._owner == threading.get_ident():
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        self._db.execute("BEGIN IMMEDIATE")
        self._depth, self._owner = 1, threading.get_ident()
        try:
            yield
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        else:
            self._db.execute("COMMIT")
        finally:
            self._depth, self._owner = 0, None

    # fiscal storage ------------------------------------------------------------------------------

    def load_fn(self) -> FnState | None:
        row = self._db.execute("SELECT body FROM fn WHERE id = 1").fetchone()
        return None if row is None else msgspec.json.decode(row[0], type=FnState)

    def save_fn(self, state: FnState) -> None:
        self._db.execute("INSERT OR REPLACE INTO fn (id, body) VALUES (1, ?)", (msgspec.json.encode(state),))

    def save_document(self, record: DocumentRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO documents (number, body) VALUES (?, ?)",
            (record.number, msgspec.json.encode(record)),
        )

    def load_document(self, number: int) -> DocumentRecord | None:
        row = self._db.execute("SELECT body FROM documents WHERE number = ?", (number,)).fetchone()
        return None if row is None else msgspec.json.decode(row[0], type=DocumentRecord)

    # web server requests -------------------------------------------------------------------------

    def save_request(self, record: RequestRecord) -> None:
        self._db.execute(
            "INSERT OR REPLACE INTO requests (uuid, body) VALUES (?, ?)",
            (str(uuid.UUID(record.uuid)), msgspec.json.encode(record)),
        )

    def delete_request(self, request_uuid: str) -> None:
        self._db.execute("DELETE FROM requests WHERE uuid = ?", (str(uuid.UUID(request_uuid)),))

    def load_requests(self) -> list[RequestRecord]:
        rows = self._db.execute("SELECT body FROM requests").fetchall()
        records = [msgspec.json.decode(body, type=RequestRecord) for (body,) in rows]
        return sorted(records, key=lambda r: r.number)

    # an earlier version's files ------------------------------------------------------------------

    def _import_files(self) -> None:
        legacy = self.root / "fn.json"
        if not legacy.exists():
            return
        documents = sorted((self.root / "documents").glob("*.json"))
        requests = sorted((self.root / "requests").glob("*.json"))
        with self.atomic():
            if self.load_fn() is None:
                self.save_fn(msgspec.json.decode(legacy.read_bytes(), type=FnState))
                for path in documents:
                    self.save_document(msgspec.json.decode(path.read_bytes(), type=DocumentRecord))
                for path in requests:
                    self.save_request(msgspec.json.decode(path.read_bytes(), type=RequestRecord))
        for path in (*documents, *requests, legacy):
            path.unlink()


def archived_documents(state_dir: Path) -> list[bytes]:
    """The FN archive of a state directory as stored (JSON, oldest first), read without taking a lock, so
    it can be read beside a running emulator."""
    with contextlib.closing(sqlite3.connect(f"file:{state_dir / 'fn.db'}?mode=ro", uri=True)) as db:
        return [body for (body,) in db.execute("SELECT body FROM documents ORDER BY number")]


def utc_now() -> datetime:
    return datetime.now(UTC)
