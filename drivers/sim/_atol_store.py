"""What the ATOL emulator keeps on disk: the fiscal storage (``fn.json`` + ``documents/``) and the Web
Server's requests (``requests/``). Every file is replaced atomically (temporary file, fsync, rename) and
written before the emulator answers, so a killed emulator restarts with exactly what it acknowledged.
"""

from __future__ import annotations

import hashlib
import os
import uuid
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


def _write_atomic(path: Path, data: bytes) -> None:
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    with open(tmp, "wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(tmp, path)
    dir_fd = os.open(path.parent, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


class Store:
    """Files under ``state_dir``. Callers serialise access (the emulator holds one lock)."""

    def __init__(self, state_dir: Path) -> None:
        self.root = state_dir
        self.documents = state_dir / "documents"
        self.requests = state_dir / "requests"
        for directory in (self.root, self.documents, self.requests):
            directory.mkdir(parents=True, exist_ok=True)
        self._fn = state_dir / "fn.json"

    # fiscal storage ------------------------------------------------------------------------------

    def load_fn(self) -> FnState | None:
        if not self._fn.exists():
            return None
        return msgspec.json.decode(self._fn.read_bytes(), type=FnState)

    def save_fn(self, state: FnState) -> None:
        _write_atomic(self._fn, msgspec.json.format(msgspec.json.encode(state), indent=1))

    def save_document(self, record: DocumentRecord) -> None:
        _write_atomic(self.documents / f"{record.number:06d}.json", msgspec.json.encode(record))

    def load_document(self, number: int) -> DocumentRecord | None:
        path = self.documents / f"{number:06d}.json"
        if not path.exists():
            return None
        return msgspec.json.decode(path.read_bytes(), type=DocumentRecord)

    # web server requests -------------------------------------------------------------------------

    def _request_path(self, request_uuid: str) -> Path:
        # The uuid is client input: normalise it so it can never name a path outside the directory.
        return self.requests / f"{uuid.UUID(request_uuid)}.json"

    def save_request(self, record: RequestRecord) -> None:
        _write_atomic(self._request_path(record.uuid), msgspec.json.encode(record))

    def delete_request(self, request_uuid: str) -> None:
        self._request_path(request_uuid).unlink(missing_ok=True)

    def load_requests(self) -> list[RequestRecord]:
        records = [msgspec.json.decode(p.read_bytes(), type=RequestRecord) for p in self.requests.glob("*.json")]
        return sorted(records, key=lambda r: r.number)


def utc_now() -> datetime:
    return datetime.now(UTC)
