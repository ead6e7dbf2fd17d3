"""ATOL driver error codes (``errorCode`` of a Web Server task) mapped onto :mod:`drivers.errors`.

A task that may have changed the fiscal storage (``mutating``) and failed with a connection-type code
is reported as :class:`OutcomeUnknown`: the device may have closed the document before the link broke.
"""

from __future__ import annotations

from drivers.errors import (
    CoverOpen,
    DeviceBusy,
    DeviceError,
    DeviceRejected,
    DeviceUnavailable,
    FiscalStorageBlocked,
    FiscalStorageExpired,
    InsufficientCash,
    OutcomeUnknown,
    PaperOut,
    ShiftAlreadyOpen,
    ShiftClosed,
    ShiftExpired,
)

CONNECTION_CODES = frozenset({1, 2, 3, 241})
"""CONNECTION_DISABLED, NO_CONNECTION, PORT_BUSY, CONNECTION_LOST: the Web Server lost the device."""

CLOSE_RECEIPT_INTERRUPTED = 177
INTERRUPTED_BY_PREVIOUS_ERRORS = 502

_BY_CODE: dict[int, type[DeviceError]] = {
    44: PaperOut,
    45: CoverOpen,
    46: DeviceError,  # printer cutter/mechanism fault: a technician, then continuePrint
    47: DeviceError,
    55: DeviceBusy,
    52: DeviceRejected,
    66: DeviceRejected,
    68: ShiftExpired,
    141: ShiftExpired,
    73: ShiftClosed,
    83: ShiftAlreadyOpen,
    80: InsufficientCash,
    120: FiscalStorageExpired,
    121: FiscalStorageExpired,
    136: FiscalStorageExpired,
    137: FiscalStorageExpired,
    140: FiscalStorageBlocked,
    CLOSE_RECEIPT_INTERRUPTED: OutcomeUnknown,
    501: DeviceRejected,
    INTERRUPTED_BY_PREVIOUS_ERRORS: DeviceRejected,
}


def error_for(code: int, description: str, *, mutating: bool, device_id: str | None = None) -> DeviceError:
    """The exception for a failed task; codes not listed are the device refusing the request."""
    message = f"ATOL error {code}: {description}" if description else f"ATOL error {code}"
    if code in CONNECTION_CODES:
        cls: type[DeviceError] = OutcomeUnknown if mutating else DeviceUnavailable
    else:
        cls = _BY_CODE.get(code, DeviceRejected)
    return cls(message, code=code, device_id=device_id)


def is_connection_code(code: int) -> bool:
    return code in CONNECTION_CODES
