"""Device problems as the cashier reads them: a stable code (the wire ``DeviceHealth.problems`` entry),
a severity, and a short Russian and English message. Coordinators build these; the UI and console show them.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Severity = Literal["error", "warning"]
DeviceKind = Literal["fiscal", "printer", "terminal", "drawer", "scanner"]


@dataclass(frozen=True, slots=True, kw_only=True)
class DeviceProblem:
    code: str
    severity: Severity
    message_ru: str
    message_en: str

    @property
    def message(self) -> str:
        return f"{self.message_ru} / {self.message_en}"


_DEVICE_NAME: dict[str, tuple[str, str]] = {
    "fiscal": ("Касса (ККТ)", "The fiscal registrar"),
    "printer": ("Принтер чеков", "The receipt printer"),
    "terminal": ("Платёжный терминал", "The card terminal"),
    "drawer": ("Денежный ящик", "The cash drawer"),
    "scanner": ("Сканер", "The scanner"),
}

_FIXED: dict[str, tuple[Severity, str, str]] = {
    "paper_out": ("error", "Закончилась бумага — вставьте новый рулон", "Out of paper: load a new roll"),
    "paper_near_end": ("warning", "Бумага скоро закончится", "Paper is running low"),
    "cover_open": ("error", "Открыта крышка — закройте её", "The cover is open: close it"),
    "fn_blocked": (
        "error",
        "ФН заблокирован: документы не переданы в ОФД 30 дней — вызовите техника",
        "The fiscal storage is blocked: 30 days without OFD confirmation; call a technician",
    ),
    "fn_missing": ("error", "Фискальный накопитель не найден", "No fiscal storage found in the registrar"),
    "fn_expired": ("error", "ФН нужно заменить", "The fiscal storage must be replaced"),
    "not_fiscal": ("error", "Касса не зарегистрирована (нефискальный режим)", "The registrar is not fiscalised"),
    "shift_expired": (
        "error",
        "Смена длится более 24 часов — закройте смену (Z-отчёт)",
        "The fiscal shift is over 24 hours old: close it (Z report)",
    ),
    "busy": ("warning", "Устройство занято", "The device is busy"),
    "protocol_error": ("error", "Устройство ответило с ошибкой протокола", "The device answered with a protocol error"),
    "printer_offline": ("error", "Принтер не готов к печати", "The printer is offline"),
}


STATE_CODES = frozenset(
    {"paper_out", "cover_open", "fn_blocked", "fn_expired", "shift_expired", "printer_offline", "fn_missing"}
)
"""Driver error kinds that describe the device's condition (rather than one request) and so belong in its health."""


def device_problem(code: str, kind: str = "") -> DeviceProblem:
    """The problem for a fixed code; unknown codes get a generic message naming the code."""
    if code in ("unavailable", "timeout"):
        return unavailable(kind)
    if code in _FIXED:
        severity, ru, en = _FIXED[code]
        return DeviceProblem(code=code, severity=severity, message_ru=ru, message_en=en)
    ru_name, en_name = _DEVICE_NAME.get(kind, ("Устройство", "The device"))
    return DeviceProblem(
        code=code, severity="error", message_ru=f"{ru_name}: ошибка ({code})", message_en=f"{en_name}: error ({code})"
    )


def unavailable(kind: str) -> DeviceProblem:
    ru_name, en_name = _DEVICE_NAME.get(kind, ("Устройство", "The device"))
    return DeviceProblem(
        code="unavailable",
        severity="error",
        message_ru=f"{ru_name} не отвечает — проверьте питание и кабель",
        message_en=f"{en_name} is not answering: check power and cable",
    )


def shift_expires_soon(hours: int) -> DeviceProblem:
    return DeviceProblem(
        code="shift_expires_soon",
        severity="warning",
        message_ru=f"Смена закроется через {hours} ч — закройте её Z-отчётом",
        message_en=f"The fiscal shift closes in {hours} h: close it with a Z report",
    )


def ofd_backlog(days: int, unsent: int, blocking_soon: bool) -> DeviceProblem:
    return DeviceProblem(
        code="ofd_backlog",
        severity="error" if blocking_soon else "warning",
        message_ru=f"Документы не переданы в ОФД {days} дн. ({unsent} шт.) — проверьте интернет",
        message_en=f"{unsent} documents unsent to the OFD for {days} days: check the internet link",
    )


def fn_warning(flags: str) -> DeviceProblem:
    return DeviceProblem(
        code="fn_warning",
        severity="warning",
        message_ru=f"Предупреждение ФН: {flags}",
        message_en=f"Fiscal storage warning: {flags}",
    )


def fn_expires_soon(days: int) -> DeviceProblem:
    return DeviceProblem(
        code="fn_expires_soon",
        severity="warning",
        message_ru=f"Срок ФН истекает через {days} дн. — запланируйте замену",
        message_en=f"The fiscal storage expires in {days} days: plan its replacement",
    )


def terminal_not_ready(message: str) -> DeviceProblem:
    suffix = f" ({message})" if message else ""
    return DeviceProblem(
        code="terminal_not_ready",
        severity="error",
        message_ru=f"Терминал не готов{suffix}",
        message_en=f"The card terminal is not ready{suffix}",
    )
