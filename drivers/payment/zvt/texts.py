"""What ZVT codes mean, in Russian and English: intermediate status (04 FF) for the cashier's screen,
result codes (BMP 27, 06 1E, 84 xx), terminal status (after 05 01) and card types (BMP 8A)."""

from __future__ import annotations

from typing import Literal

Language = Literal["ru", "en"]

INTERMEDIATE: dict[int, tuple[str, str]] = {
    0x00: ("Подтвердите сумму", "Confirm the amount"),
    0x01: ("Введите PIN", "Enter PIN"),
    0x02: ("Введите PIN", "Enter PIN"),
    0x03: ("Карта не принята", "Card not accepted"),
    0x04: ("Связь с банком…", "Waiting for the bank…"),
    0x05: ("Автоматическая отмена", "Automatic reversal"),
    0x06: ("Досылка операций", "Post-booking"),
    0x07: ("Карта не допущена", "Card not admitted"),
    0x08: ("Неизвестная карта", "Card unknown"),
    0x09: ("Срок действия карты истёк", "Card expired"),
    0x0A: ("Вставьте карту", "Insert card"),
    0x0B: ("Извлеките карту", "Remove card"),
    0x0C: ("Карта не читается", "Card unreadable"),
    0x0D: ("Ошибка обработки", "Processing error"),
    0x0E: ("Подождите…", "Please wait…"),
    0x0F: ("Автоматическая сверка итогов", "Automatic end-of-day"),
    0x10: ("Недействительная карта", "Invalid card"),
    0x11: ("Баланс карты", "Card balance"),
    0x12: ("Сбой системы", "System malfunction"),
    0x13: ("Оплата невозможна", "Payment not possible"),
    0x14: ("Недостаточно средств", "Insufficient funds"),
    0x15: ("Неверный PIN", "Wrong PIN"),
    0x16: ("Превышен лимит", "Limit exceeded"),
    0x17: ("Подождите…", "Please wait…"),
    0x18: ("Превышено число попыток ввода PIN", "PIN tries exceeded"),
    0x19: ("Неверные данные карты", "Card data incorrect"),
    0x1A: ("Сервисный режим", "Service mode"),
    0x1B: ("Одобрено", "Approved"),
    0x1C: ("Одобрено, выдайте товар", "Approved, hand over the goods"),
    0x1D: ("Отклонено", "Declined"),
    0xC8: ("Ожидание кассира", "Waiting for the cashier"),
    0xD2: ("Соединение с банком…", "Dialling…"),
    0xD3: ("Соединение установлено", "Connected"),
    0xE0: ("Выберите приложение карты", "Select the card application"),
    0xE1: ("Выберите язык", "Select the language"),
    0xF1: ("Офлайн", "Offline"),
    0xF2: ("Онлайн", "Online"),
}

RESULT: dict[int, tuple[str, str]] = {
    0x00: ("Одобрено", "Approved"),
    0x64: ("Карта не читается", "Card not readable"),
    0x65: ("Нет данных карты", "Card data not present"),
    0x66: ("Ошибка обработки", "Processing error"),
    0x67: ("Операция недоступна для этой карты", "Function not permitted for this card"),
    0x68: ("Операция недоступна для кредитных карт", "Function not permitted for credit cards"),
    0x6A: ("Журнал операций переполнен", "Turnover file full"),
    0x6B: ("Функция отключена", "Function deactivated"),
    0x6C: ("Операция прервана", "Aborted"),
    0x6E: ("Карта заблокирована", "Card blocked"),
    0x6F: ("Неверная валюта", "Wrong currency"),
    0x71: ("Недостаточно средств", "Credit not sufficient"),
    0x72: ("Ошибка чипа", "Chip error"),
    0x73: ("Неверные данные карты", "Card data incorrect"),
    0x77: ("Сверка итогов невозможна", "End-of-day not possible"),
    0x78: ("Срок действия карты истёк", "Card expired"),
    0x79: ("Карта ещё не действует", "Card not yet valid"),
    0x7A: ("Неизвестная карта", "Card unknown"),
    0x7D: ("Ошибка связи", "Communication error"),
    0x83: ("Функция невозможна", "Function not possible"),
    0x85: ("Нет ключей", "Missing key"),
    0x89: ("Пин-пад неисправен", "PIN pad defective"),
    0x9A: ("Ошибка протокола", "Protocol error"),
    0x9B: ("Ошибка дозвона", "Dial-up error"),
    0x9C: ("Терминал занят, подождите", "Please wait, terminal busy"),
    0xA0: ("Терминал не готов", "Receiver not ready"),
    0xA1: ("Банк не отвечает", "Host not responding"),
    0xA3: ("Нет связи с банком", "No connection to the host"),
    0xA5: ("Ошибка PCI-DSS", "PCI-DSS error"),
    0xB1: ("Память переполнена", "Memory full"),
    0xB2: ("Журнал переполнен", "Journal full"),
    0xB4: ("Операция уже отменена", "Already reversed"),
    0xB5: ("Отмена невозможна", "Reversal not possible"),
    0xBF: ("Низкое напряжение", "Low voltage"),
    0xC2: ("Требуется диагностика", "Diagnosis required"),
    0xC3: ("Превышена максимальная сумма", "Maximum amount exceeded"),
    0xC5: ("Способ оплаты не поддерживается", "Payment method not supported"),
    0xC6: ("Валюта не поддерживается", "Currency not applicable"),
    0xC8: ("Сумма слишком мала", "Amount too small"),
    0xCC: ("Принтер не готов", "Printer not ready"),
    0xDC: ("Карта вставлена", "Card inserted"),
    0xE2: ("Считыватель неисправен", "Card reader defective"),
    0xE4: ("Требуется активация", "Activation required"),
    0xF0: ("Не закрыт пакет операций", "Open end-of-day batch"),
    0xFC: ("Устройство не подключено", "Device missing"),
    0xFF: ("Системная ошибка", "System error"),
}

TERMINAL_STATUS: dict[int, tuple[str, str]] = {
    0x00: ("Готов", "Ready"),
    0x51: ("Требуется инициализация", "Initialisation required"),
    0x62: ("Неверные дата и время", "Date/time wrong"),
    0x9C: ("Занят, идёт обновление", "Busy, updating"),
    0xB1: ("Память переполнена", "Memory full"),
    0xCC: ("Принтер не готов", "Printer not ready"),
    0xDC: ("Карта вставлена", "Card inserted"),
    0xDF: ("Не работает", "Out of order"),
    0xE1: ("Карта не извлечена", "Card not removed"),
}

CARD_TYPES: dict[int, str] = {
    0x05: "girocard",
    0x06: "Mastercard",
    0x08: "American Express",
    0x0A: "Visa",
    0x0D: "V PAY",
    0x0E: "JCB",
    0x2E: "Maestro",
}

BUSY_CODES = frozenset({0x9C, 0xA0})


def _pick(pair: tuple[str, str], language: Language) -> str:
    return pair[0] if language == "ru" else pair[1]


def intermediate_text(code: int, language: Language = "ru") -> str:
    if code in INTERMEDIATE:
        return _pick(INTERMEDIATE[code], language)
    if 0x41 <= code <= 0x5D and code - 0x40 in INTERMEDIATE:
        # 41–5D are 01–1D plus "remove card"
        suffix = (" — извлеките карту", ", remove card")
        return _pick(INTERMEDIATE[code - 0x40], language) + _pick(suffix, language)
    return _pick((f"Статус терминала {code:02X}", f"Terminal status {code:02X}"), language)


def result_text(code: int, language: Language = "ru") -> str:
    if code in RESULT:
        return _pick(RESULT[code], language)
    if 0x01 <= code <= 0x63:
        return _pick((f"Отказ банка (код {code:02d})", f"Declined by the issuer (code {code:02d})"), language)
    return _pick((f"Ошибка терминала {code:02X}", f"Terminal error {code:02X}"), language)


def terminal_status_text(code: int, language: Language = "ru") -> str:
    if code in TERMINAL_STATUS:
        return _pick(TERMINAL_STATUS[code], language)
    return _pick((f"Состояние терминала {code:02X}", f"Terminal state {code:02X}"), language)


def card_type_name(code: int | None) -> str | None:
    if code is None:
        return None
    return CARD_TYPES.get(code, f"card type {code:02X}")
