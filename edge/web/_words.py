"""Device health and hub link in words a cashier understands ("the printer is out of paper"), from the status
the agent reports. Also the JS-side strings, marked here so ``pybabel extract`` finds them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

Gettext = Callable[[str], str]
Level = Literal["ok", "warn", "bad"]


def N_(message: str) -> str:
    """Mark a string for extraction without translating it yet (translated per request)."""
    return message


DEVICE_NAMES: dict[str, str] = {
    "fiscal": N_("Fiscal registrar"),
    "printer": N_("Receipt printer"),
    "terminal": N_("Card terminal"),
    "drawer": N_("Cash drawer"),
    "scanner": N_("Scanner"),
}

# Problem code → (level, message). Messages may use %(hours)s / %(days)s taken from the device detail.
PROBLEM_WORDS: dict[str, tuple[Level, str]] = {
    "paper_out": ("bad", N_("The printer is out of paper: load a new roll")),
    "paper_near_end": ("warn", N_("The printer paper is running out")),
    "cover_open": ("bad", N_("The printer cover is open: close it")),
    "unavailable": ("bad", N_("%(device)s is not answering: check the cable and the power")),
    "offline": ("bad", N_("%(device)s is not answering: check the cable and the power")),
    "timeout": ("bad", N_("%(device)s is not answering: check the cable and the power")),
    "busy": ("warn", N_("%(device)s is busy")),
    "shift_expires_soon": ("warn", N_("The fiscal shift closes in %(hours)s h: close the shift (Z report) in time")),
    "shift_expired": ("bad", N_("The fiscal shift is over 24 hours old: close the shift (Z report)")),
    "shift_closed": ("warn", N_("The fiscal shift is closed: open a shift")),
    "ofd_backlog": ("warn", N_("Receipts not sent to the tax service for %(days)s days: check the internet")),
    "fn_blocked": ("bad", N_("The fiscal storage is blocked: receipts unsent for 30 days. Call the technician")),
    "fn_expired": ("bad", N_("The fiscal storage must be replaced. Call the technician")),
    "fn_near_end": ("warn", N_("The fiscal storage is nearly full. Call the technician")),
    "drawer_open": ("warn", N_("The cash drawer is open")),
}

_NUMBER = re.compile(r"(\d+(?:[.,]\d+)?)")


@dataclass(frozen=True)
class Notice:
    level: Level
    text: str
    code: str = ""


def _first_number(detail: str, default: str = "?") -> str:
    match = _NUMBER.search(detail)
    return match.group(1) if match else default


def device_notices(devices: object, _: Gettext) -> list[Notice]:
    """One notice per device problem, worst first. ``devices`` is the status JSON's list of DeviceHealth."""
    notices: list[Notice] = []
    if not isinstance(devices, list):
        return notices
    for device in devices:
        if not isinstance(device, Mapping):
            continue
        kind = str(device.get("kind", ""))
        name = _(DEVICE_NAMES.get(kind, kind or "Device"))
        detail = str(device.get("detail", "") or "")
        problems = [str(p) for p in device.get("problems", []) or []]
        if device.get("online") is False and not problems:
            problems = ["unavailable"]
        for code in problems:
            level, message = PROBLEM_WORDS.get(code, ("warn", ""))
            values = {
                "device": name,
                "hours": str(device.get("hours_left", "") or _first_number(detail)),
                "days": str(device.get("days", "") or _first_number(detail)),
            }
            text = _(message) % values if message else f"{name}: {code.replace('_', ' ')}"
            notices.append(Notice(level, text, code))
    notices.sort(key=lambda n: 0 if n.level == "bad" else 1)
    return notices


_MINUTES = re.compile(r"(\d+)\s*min")
_DAYS = re.compile(r"(\d+)\s*day")


def warning_notices(status: Mapping[str, object] | None, _: Gettext, seen: set[str]) -> list[Notice]:
    """Fiscal limits from the status ``warnings`` ("code: text") not already shown for a device."""
    notices: list[Notice] = []
    raw = status.get("warnings") if status else None
    if not isinstance(raw, list):
        return notices
    for warning in raw:
        code, _sep, text = str(warning).partition(":")
        code = code.strip()
        if code in seen or code not in PROBLEM_WORDS:
            continue
        seen.add(code)
        level, message = PROBLEM_WORDS[code]
        fiscal_name = DEVICE_NAMES["fiscal"]
        values = {"device": _(fiscal_name), "hours": "?", "days": "?"}
        if (minutes := _MINUTES.search(text)) is not None:
            values["hours"] = str(max(1, -(-int(minutes.group(1)) // 60)))
        elif isinstance(shift := status.get("shift") if status else None, Mapping):
            age = shift.get("age_seconds")
            if isinstance(age, int):
                values["hours"] = str(max(0, -(-(86400 - age) // 3600)))
        if (days := _DAYS.search(text)) is not None:
            values["days"] = days.group(1)
        notices.append(Notice(level, _(message) % values, code))
    return notices


# Strings the cashier page's script shows; rendered into the page as a JSON dictionary in the page language.
JS_STRINGS: dict[str, str] = {
    "enter_pin": N_("Enter your PIN"),
    "wrong_pin": N_("Wrong PIN"),
    "manager_pin": N_("Manager PIN"),
    "manager_needed": N_("A manager must approve this"),
    "required": N_("Choose at least %(min)s"),
    "at_most": N_("At most %(max)s"),
    "added": N_("Added"),
    "empty_cart": N_("The order is empty: tap a product"),
    "not_found": N_("Nothing found"),
    "scan_not_found": N_("No product with barcode %(code)s"),
    "pay_cash": N_("Cash"),
    "pay_card": N_("Card"),
    "pay_split": N_("Split"),
    "tendered": N_("Tendered"),
    "change": N_("Change"),
    "due": N_("Due"),
    "remaining": N_("Remaining"),
    "insufficient": N_("Not enough money tendered"),
    "waiting_terminal": N_("Follow the instructions on the card terminal"),
    "declined": N_("The card was declined"),
    "approved": N_("Approved"),
    "cancelled": N_("Cancelled"),
    "paid": N_("Paid"),
    "fiscalized": N_("Receipt printed"),
    "status_created": N_("Created"),
    "status_paid": N_("Paid"),
    "status_fiscalized": N_("Fiscalized"),
    "no_shift": N_("The shift is closed: open a shift to sell"),
    "shift_opened": N_("The shift is open"),
    "shift_closed": N_("The shift is closed"),
    "refunded": N_("Refunded"),
    "reprinted": N_("The receipt was printed again"),
    "done": N_("Done"),
    "error": N_("Something went wrong"),
    "device_error": N_("Device problem"),
    "dine_in": N_("Dine-in"),
    "takeaway": N_("Takeaway"),
    "delivery": N_("Delivery"),
    "table": N_("Table"),
    "address": N_("Address"),
    "qty": N_("Quantity"),
    "comment": N_("Comment"),
    "remove": N_("Remove"),
    "save": N_("Save"),
    "cancel": N_("Cancel"),
    "ok": N_("OK"),
    "discount": N_("Discount"),
    "percent": N_("Percent"),
    "amount": N_("Amount"),
    "order": N_("Order"),
    "total": N_("Total"),
    "subtotal": N_("Subtotal"),
    "card_cancel_sent": N_("Cancelling on the terminal…"),
    "cash_in": N_("Cash in"),
    "cash_out": N_("Cash out"),
    "x_report": N_("X report"),
    "z_report": N_("Z report"),
    "pairing_code": N_("Pairing code"),
    "pairing_hint": N_("Enter it on the new screen within %(minutes)s minutes; it works once."),
    "pay_loyalty": N_("Points"),
    "rep_orders": N_("Orders"),
    "rep_refunds": N_("Refunds"),
    "rep_sales": N_("sales"),
    "rep_expected": N_("Expected in the drawer"),
    "rep_counted": N_("Counted"),
    "rep_difference": N_("Difference"),
    "refund": N_("Refund"),
    "reprint": N_("Reprint"),
    "finish": N_("Finish"),
    "finished": N_("Finished: the receipt is issued"),
    "enter_fd": N_("Enter FD"),
    "order_left_locked": N_("Order %(number)s has no known receipt yet: finish it in the next shift"),
    "close_unresolved": N_(
        "Order(s) %(orders)s still wait for the fiscal registrar to say whether the receipt was issued. A manager"
        " may close the shift anyway: they stay locked and are finished in the next shift"
    ),
    "fd_recorded": N_("The receipt is recorded"),
    "draft": N_("Draft"),
    "paying": N_("Paying"),
    "fiscalizing": N_("Fiscalizing"),
    "refunded_status": N_("Refunded"),
    "partially_refunded": N_("Partly refunded"),
    "cancelled_status": N_("Cancelled"),
    "favourites": N_("Favourites"),
    "all": N_("All"),
    # API problem codes the cashier may meet, in words (the API's own titles are English)
    "p_unavailable": N_("The device is not answering: check the cable and the power"),
    "p_timeout": N_("The device did not answer in time"),
    "p_outcome_unknown": N_("The device did not say what happened; the order waits until it does"),
    "p_paper_out": N_("The printer is out of paper: load a new roll"),
    "p_cover_open": N_("The printer cover is open: close it"),
    "p_order_locked": N_("The order waits for a device answer"),
    "p_orders_in_checkout": N_("Some orders are still being paid or fiscalized: finish them first"),
    "p_document_mismatch": N_("The fiscal storage has no such receipt for this sale: check the FD on the receipt"),
    "p_document_mismatch_issued_before": N_(
        "That FD was issued before this sale was sent to the registrar: check the FD on the receipt"
    ),
    "p_document_mismatch_not_in_fn": N_("The fiscal storage has no receipt with that FD yet: check the number"),
    "p_document_mismatch_another_operation": N_("That FD already belongs to another order or operation"),
    "p_document_mismatch_different_sale": N_("That FD is a different operation or total, not this sale"),
    "p_document_mismatch_request_became": N_(
        "The registrar recorded this sale under another FD: close this window and press Finish"
    ),
    "p_document_mismatch_request_refused": N_(
        "The registrar refused this sale, so it has no receipt: close this window and press Finish"
    ),
    "p_order_not_editable": N_("The order can no longer be changed"),
    "p_shift_closed": N_("The shift is closed: open a shift to sell"),
    "p_shift_open": N_("The shift is already open"),
    "p_shift_expired": N_("The fiscal shift is over 24 hours old: close the shift (Z report)"),
    "p_modifier_rules": N_("Choose the required options"),
    "p_delivery_address_required": N_("Delivery needs an address"),
    "p_wrong_pin": N_("Wrong PIN"),
    "p_pin_locked": N_("Too many wrong PINs: wait a few minutes"),
    "p_session_expired": N_("The session has ended: enter your PIN"),
    "p_session_required": N_("Enter your PIN"),
    "p_approval_required": N_("A manager must approve this"),
    "p_approval_denied": N_("This PIN is not a manager's"),
    "p_forbidden": N_("Your role may not do this"),
    "p_unknown_promo": N_("Unknown promo code"),
    "p_bad_discount": N_("This discount is not possible"),
    "p_tendered_too_little": N_("Not enough money tendered"),
    "p_overpayment": N_("The amount is more than is due"),
    "p_empty_order": N_("The order is empty: tap a product"),
    "p_stop_listed": N_("This product is on the stop list"),
    "p_card_declined": N_("The card was declined"),
    "p_nothing_to_refund": N_("Nothing left to refund"),
    "p_not_refundable": N_("This order cannot be refunded"),
    "p_insufficient_cash": N_("Not enough cash in the drawer"),
    "p_kitchen_transition": N_("This ticket cannot move from here"),
}


def js_strings(_: Gettext) -> dict[str, str]:
    return {key: _(value) for key, value in JS_STRINGS.items()}
