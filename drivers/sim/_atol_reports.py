"""Read-only tasks of the emulated ATOL device (shift, device, FN and OFD status, device info, FN archive)
and the ``/admin/state`` snapshot. Each takes the device and the task, as the device's own handlers do."""

from __future__ import annotations

from typing import TYPE_CHECKING

from drivers.sim._atol_documents import SHIFT_LENGTH, document_tlv, local, rub
from drivers.sim._atol_validate import DOCUMENT_NOT_FOUND, TaskError, parse_error

if TYPE_CHECKING:
    from drivers.sim._atol_device import AtolDevice

MODEL = 69  # [U]
MODEL_NAME = "АТОЛ 30Ф"
FIRMWARE = "5.8.100"


def shift_status(dev: AtolDevice, task: dict[str, object]) -> dict[str, object]:
    shift = dev.state.shift
    expires = shift.opened_at + SHIFT_LENGTH if shift.open and shift.opened_at else None
    return {
        "shiftStatus": {
            "state": dev.shift_state(),
            "number": shift.number,
            "expiredTime": local(expires, dev.tz) if expires else None,
            "documentsCount": shift.documents if shift.open else 0,
        }
    }


def device_status(dev: AtolDevice, task: dict[str, object]) -> dict[str, object]:
    return {
        "deviceStatus": {
            "currentDateTime": local(dev.now(), dev.tz),
            "shift": dev.shift_state(),
            "blocked": dev.fn_blocked() or dev.fn_expired(),
            "coverOpened": dev.faults.cover_open,
            "paperPresent": not dev.faults.paper_out,
            "fiscal": True,
            "fnFiscal": True,
            "fnPresent": True,
            "cashDrawerOpened": False,
        }
    }


def device_info(dev: AtolDevice, task: dict[str, object]) -> dict[str, object]:
    return {
        "deviceInfo": {
            "model": MODEL,
            "modelName": MODEL_NAME,
            "serial": dev.state.device_serial,
            "firmwareVersion": FIRMWARE,
            "configurationVersion": "1",
            "receiptLineLength": 32,
            "receiptLineLengthPix": 384,
            "ffdVersion": "1.2",
            "fnFfdVersion": "1.2",
        }
    }


def fn_info(dev: AtolDevice, task: dict[str, object]) -> dict[str, object]:
    return {
        "fnInfo": {
            "serial": dev.state.fn_serial,
            "version": "fn v 2.23 emulated",
            "execution": "Эмулятор ФН",
            "numberOfRegistrations": 1,
            "registrationsRemaining": 29,
            "validityDate": local(dev.state.validity_date, dev.tz),
            "ffdVersion": "1.2",
            "fnFfdVersion": "1.2",
            "livePhase": "fiscalMode",
            "fnContainsKeysUpdaterServerUri": False,
            "warnings": dev.fn_warnings(),
        }
    }


def fn_status(dev: AtolDevice, task: dict[str, object]) -> dict[str, object]:
    return {
        "fnStatus": {
            "fiscalDocumentNumber": dev.state.last_fd,
            "fiscalReceiptNumber": dev.state.shift.receipts,
            "warnings": dev.fn_warnings(),
        }
    }


def ofd_status(dev: AtolDevice, task: dict[str, object]) -> dict[str, object]:
    first = dev.first_unsent()
    ok = {"code": 0, "description": "Ошибок нет"}
    down = {"code": 2, "description": "Нет связи с ОФД"}
    return {
        "status": {
            "notSentCount": len(dev.state.unsent),
            "notSentFirstDocNumber": first.number if first else 0,
            "notSentFirstDocDateTime": local(first.at, dev.tz) if first else None,
            "lastSuccessKeysUpdate": local(dev.state.registered_at, dev.tz),
        },
        "errors": {
            "network": down if dev.faults.ofd_down else ok,
            "ofd": ok,
            "fn": ok,
            "documentNumber": first.number if first else 0,
            "fnCommandCode": 0,
            "lastSuccessConnectionDateTime": None if dev.faults.ofd_down else local(dev.now(), dev.tz),
        },
    }


def fn_document(dev: AtolDevice, task: dict[str, object]) -> dict[str, object]:
    number = task.get("fiscalDocumentNumber")
    if isinstance(number, bool) or not isinstance(number, int):
        raise parse_error("поле fiscalDocumentNumber должно быть целым числом")
    record = dev.store.load_document(number) if 1 <= number <= dev.state.last_fd else None
    if record is None:
        raise TaskError(DOCUMENT_NOT_FOUND, f"Документ {number} не найден в ФН")
    return {"documentTLV": document_tlv(dev.state, record, dev.tz)}


def snapshot(dev: AtolDevice) -> dict[str, object]:
    """What ``GET /admin/state`` shows."""
    state = dev.state
    first = dev.first_unsent()
    return {
        "now": local(dev.now(), dev.tz),
        "clockOffsetSeconds": state.clock_offset,
        "deviceSerial": state.device_serial,
        "fnSerial": state.fn_serial,
        "registrationNumber": state.registration_number,
        "lastDocumentNumber": state.last_fd,
        "validityDate": local(state.validity_date, dev.tz),
        "blocked": dev.fn_blocked(),
        "shift": {
            "state": dev.shift_state(),
            "number": state.shift.number,
            "openedAt": local(state.shift.opened_at, dev.tz) if state.shift.opened_at else None,
            "receipts": state.shift.receipts,
        },
        "cash": rub(state.cash),
        "unsent": list(state.unsent),
        "firstUnsentAt": local(first.at, dev.tz) if first else None,
        "unprinted": list(state.unprinted),
    }
