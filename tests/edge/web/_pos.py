"""Steps on the cashier page shared by the browser tests (what a cashier's fingers do)."""

from __future__ import annotations

from typing import Any

Page = Any  # playwright.sync_api.Page; kept loose so the module imports without Playwright


def login(page: Page, pin: str) -> None:
    page.locator("#login-pin").wait_for(state="visible")
    page.fill("#login-pin", pin)
    page.press("#login-pin", "Enter")
    page.locator("#login").wait_for(state="hidden")
    page.locator("#grid .tile").first.wait_for()
    page.wait_for_function("() => document.getElementById('shift-pill').textContent !== ''")


def tap_product(page: Page, name: str) -> None:
    page.locator("#grid .tile", has_text=name).first.click()


def choose(page: Page, group: str, option: str) -> None:
    page.locator("#mod-groups fieldset", has_text=group).locator("button", has_text=option).click()


def add_from_dialog(page: Page) -> None:
    page.click("#mod-add")
    page.locator("#dlg-modifiers").wait_for(state="hidden")


def total_text(page: Page) -> str:
    return str(page.locator("#total").inner_text()).replace("\u00a0", " ")


def wait_total(page: Page, text: str) -> None:
    page.wait_for_function("t => document.getElementById('total').textContent.replace(/\\u00a0/g, ' ') === t", arg=text)


def current_order(page: Page) -> dict[str, Any]:
    order = page.evaluate("() => window.YagoPos.state.order")
    assert isinstance(order, dict)
    return order


def wait_status(page: Page, status: str, timeout: float = 20000) -> None:
    page.wait_for_function(
        "s => window.YagoPos.state.order && window.YagoPos.state.order.status === s", arg=status, timeout=timeout
    )


def pay_cash(page: Page, tendered: str) -> None:
    page.click("#btn-cash")
    page.fill("#cash-tendered", tendered)


def manager_pin(page: Page, pin: str) -> None:
    page.locator("#dlg-manager").wait_for(state="visible")
    page.fill("#mgr-pin", pin)
    page.press("#mgr-pin", "Enter")
