"""One error tree for every device. The agent's coordinators translate these into availability and
into Problem Details the cashier can read; nothing above the drivers sees transport exceptions."""

from __future__ import annotations


class DeviceError(Exception):
    """Base of every device failure. ``code`` is the device's own code when it gave one."""

    kind = "device_error"

    def __init__(self, message: str, *, code: int | str | None = None, device_id: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.device_id = device_id


class DeviceUnavailable(DeviceError):
    """No connection to the device (unplugged, powered off, port busy, refused)."""

    kind = "unavailable"


class DeviceBusy(DeviceError):
    """The device is executing another operation."""

    kind = "busy"


class DeviceTimeout(DeviceError):
    """No answer within the protocol's timeout, before anything was committed."""

    kind = "timeout"


class PaperOut(DeviceError):
    kind = "paper_out"


class CoverOpen(DeviceError):
    kind = "cover_open"


class ShiftExpired(DeviceError):
    """The fiscal shift is older than 24 hours; only closing it is allowed (ATOL 68/141)."""

    kind = "shift_expired"


class ShiftClosed(DeviceError):
    """The operation needs an open fiscal shift (ATOL 73)."""

    kind = "shift_closed"


class ShiftAlreadyOpen(DeviceError):
    """The operation needs a closed fiscal shift (ATOL 83)."""

    kind = "shift_open"


class FiscalStorageBlocked(DeviceError):
    """The fiscal storage refuses new documents: unsent to the OFD for 30 days (ATOL 140)."""

    kind = "fn_blocked"


class FiscalStorageExpired(DeviceError):
    """The fiscal storage is exhausted or expired and must be replaced (ATOL 120/121/136/137)."""

    kind = "fn_expired"


class InsufficientCash(DeviceError):
    """The drawer counter is below the cash out or cash refund (ATOL 80)."""

    kind = "insufficient_cash"


class DeviceRejected(DeviceError):
    """The device refused the request as invalid (bad receipt, not fully paid, unknown enum…)."""

    kind = "rejected"


class OutcomeUnknown(DeviceError):
    """The request may or may not have been carried out. Never retry blind: resolve through the device."""

    kind = "outcome_unknown"


class ProtocolError(DeviceError):
    """The device answered something the protocol does not allow."""

    kind = "protocol_error"
