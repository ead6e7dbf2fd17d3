"""The cashier touchscreen against a real demo register: sales with modifiers and change, the required-modifier
rule, card and split payments through the terminal emulator, a refund approved by a manager's PIN, a refund
the fiscal registrar left without its receipt finished from the orders list, and a sale whose receipt the devices
cannot tell apart from another settled with the FD on the customer's receipt."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from drivers.base import TaxationType
from protocols.samples import BLACK_TEA
from tests.edge.support import fiscal_documents
from tests.edge.web import _pos as pos
from tests.edge.web.conftest import PINS, Agent, screenshot
from tests.support.atol import sell_on_the_device

pytestmark = [pytest.mark.integration, pytest.mark.browser]

NewPage = Callable[..., Any]


def _order(agent: Agent, order_id: str) -> dict[str, Any]:
    with agent.api(agent.login("manager")) as client:
        answer = client.get(f"/orders/{order_id}")
        answer.raise_for_status()
        return dict(answer.json()["data"])


def _terminal_admin(agent: Agent) -> str:
    try:
        return agent.emulator_admin("terminal_admin")
    except LookupError:
        pytest.skip("the demo register runs no card terminal emulator")


def _set_terminal_outcome(admin_url: str, outcome: str | None) -> None:
    """The ZVT emulator's fixed decision for every authorisation ("approve", "decline", or None for its default)."""
    httpx.post(f"{admin_url}/config", json={"outcome": outcome}, timeout=5).raise_for_status()


def test_cash_sale_with_modifiers_and_change(agent: Agent, new_page: NewPage) -> None:
    page = new_page(agent, "/pos")
    screenshot(page, "pos-login")
    pos.login(page, PINS["cashier"])

    pos.tap_product(page, "Капучино")
    page.locator("#dlg-modifiers").wait_for(state="visible")
    pos.choose(page, "Размер", "0,35 л")  # +40
    pos.choose(page, "Молоко", "Овсяное")  # +60
    pos.choose(page, "Сироп", "Ванильный")  # +30
    pos.choose(page, "Сироп", "Карамельный")  # +30
    assert page.locator("#mod-price").inner_text() == "380,00"
    screenshot(page, "pos-modifiers")
    pos.add_from_dialog(page)
    pos.wait_total(page, "380,00 ₽")
    pos.tap_product(page, "Чизкейк")  # no modifiers: straight into the cart
    pos.wait_total(page, "670,00 ₽")
    line = page.locator("#lines .line", has_text="Капучино")
    assert "Овсяное" in line.inner_text() and "Карамельный" in line.inner_text()

    pos.pay_cash(page, "1000")
    assert page.locator("#cash-change").inner_text() == "330,00"
    screenshot(page, "pos-cash")
    page.click("#cash-pay")
    pos.wait_status(page, "fiscalized")
    assert "330,00" in page.locator("#toast").inner_text()
    lights = page.locator("#lights span.on")
    assert lights.count() == 3  # created → paid → fiscalized
    screenshot(page, "pos-paid")
    page.click("#btn-reprint")
    page.locator("#toast", has_text="Копия чека напечатана").wait_for()

    order = _order(agent, pos.current_order(page)["id"])
    assert order["status"] == "fiscalized" and order["total"] == 67000
    [payment] = order["payments"]
    assert (payment["method"], payment["tendered"], payment["change"]) == ("cash", 100000, 33000)
    cappuccino = next(li for li in order["lines"] if li["name"] == "Капучино")
    assert sorted(m["name"] for m in cappuccino["modifiers"]) == ["0,35 л", "Ванильный", "Карамельный", "Овсяное"]


def test_required_modifier_is_refused(agent: Agent, new_page: NewPage) -> None:
    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    pos.tap_product(page, "Латте")
    pos.choose(page, "Размер", "0,25 л")  # the default: tapping it again leaves the size empty
    page.click("#mod-add")
    error = page.locator("#mod-error")
    assert "Размер" in error.inner_text() and "хотя бы 1" in error.inner_text()
    assert page.locator("#dlg-modifiers").is_visible()
    assert "invalid" in (page.locator("fieldset", has_text="Размер").get_attribute("class") or "")
    assert page.evaluate("() => window.YagoPos.state.order") is None
    # a multi-choice group stops at its limit
    for syrup in ("Ванильный", "Карамельный", "Ореховый"):
        pos.choose(page, "Сироп", syrup)
    assert "Не больше 2" in page.locator("#mod-error").inner_text()
    assert page.locator("fieldset", has_text="Сироп").locator("button[aria-pressed=true]").count() == 2
    # the register refuses a broken choice too, whatever a page sends
    with agent.api(agent.login("cashier")) as client:
        catalog = client.get("/catalog/").json()["data"]
        latte = next(p for p in catalog["products"] if p["name"] == "Латте")
        syrups = next(g for g in latte["modifier_groups"] if g["name"] == "Сироп")["options"]
        answer = client.post(
            "/orders/", json={"items": [{"product_id": latte["id"], "modifiers": [o["id"] for o in syrups]}]}
        )
    assert answer.status_code == 422 and answer.json()["code"] == "modifier_rules"
    pos.choose(page, "Размер", "0,45 л")
    pos.add_from_dialog(page)
    pos.wait_total(page, "370,00 ₽")  # 240 + 70 for the size + 2 × 30 for the syrups


def test_card_declined_then_approved(agent: Agent, new_page: NewPage) -> None:
    admin = _terminal_admin(agent)
    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    pos.tap_product(page, "Вода 0,5 л")
    pos.wait_total(page, "90,00 ₽")
    _set_terminal_outcome(admin, "decline")
    try:
        page.click("#btn-card")
        page.locator("#card-retry").wait_for(state="visible", timeout=30000)
        assert page.locator("#card-error").inner_text() != ""
        assert pos.current_order(page)["status"] == "draft"
        screenshot(page, "pos-card-declined")
        _set_terminal_outcome(admin, "approve")
        page.click("#card-retry")
        pos.wait_status(page, "fiscalized", timeout=30000)
    finally:
        _set_terminal_outcome(admin, None)
    order = _order(agent, pos.current_order(page)["id"])
    statuses = sorted(p["status"] for p in order["payments"])
    assert "approved" in statuses and order["status"] == "fiscalized"


def test_split_payment_cash_then_card(agent: Agent, new_page: NewPage) -> None:
    _terminal_admin(agent)
    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    pos.tap_product(page, "Сырники")
    pos.tap_product(page, "Лимонад")
    pos.wait_total(page, "510,00 ₽")
    page.click("#btn-split")
    page.fill("#split-cash", "200")
    assert page.locator("#split-card").inner_text() == "310,00"
    page.click("#split-pay")
    pos.wait_status(page, "fiscalized", timeout=30000)
    order = _order(agent, pos.current_order(page)["id"])
    paid = sorted((p["method"], p["amount"]) for p in order["payments"] if p["status"] == "approved")
    assert paid == [("card", 31000), ("cash", 20000)]


def test_refund_with_manager_pin(agent: Agent, new_page: NewPage) -> None:
    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    pos.tap_product(page, "Чай чёрный")
    pos.wait_total(page, "150,00 ₽")
    pos.pay_cash(page, "150")
    page.click("#cash-pay")
    pos.wait_status(page, "fiscalized")
    sold = pos.current_order(page)

    page.keyboard.press("F3")
    row = page.locator("#orders-body tr", has_text=sold["number"]).first
    row.wait_for()
    screenshot(page, "pos-orders")
    row.locator("button[data-act=refund]").click()
    page.locator("#dlg-refund").wait_for(state="visible")
    assert page.locator("#refund-amount").inner_text() == "150,00"
    page.fill("#refund-reason", "ошибка кассира")
    page.click("#refund-go")
    pos.manager_pin(page, PINS["cashier"])  # not a manager's PIN: refused
    page.locator("#refund-error", has_text="менеджера").wait_for()
    assert _order(agent, sold["id"])["status"] == "fiscalized"
    page.click("#refund-go")
    pos.manager_pin(page, PINS["manager"])
    pos.wait_status(page, "refunded", timeout=30000)
    refunded = _order(agent, sold["id"])
    assert refunded["status"] == "refunded" and refunded["refunded_total"] == 15000


def test_scanner_search_and_discount_approval(agent: Agent, new_page: NewPage) -> None:
    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    page.click("#lines")  # focus away from the search box: the scanner's digits must still land
    page.keyboard.type("4600000000121")  # the water's barcode, as a scanner types it
    page.keyboard.press("Enter")
    pos.wait_total(page, "90,00 ₽")
    page.keyboard.press("F2")
    page.keyboard.type("сырн")
    assert page.locator("#grid .tile").count() == 1
    page.keyboard.press("Enter")  # a single match goes straight in
    pos.wait_total(page, "410,00 ₽")

    page.keyboard.press("F8")
    page.fill("#disc-value", "20")  # above the 10 % a cashier may give alone
    page.click("#disc-form button[type=submit]")
    pos.manager_pin(page, PINS["manager"])
    pos.wait_total(page, "328,00 ₽")
    assert pos.current_order(page)["discount"] == {"kind": "percent", "value": 20}


_SMALLEST_CONTROL = """() => {
  const sizes = [...document.querySelectorAll('button, a.pill, input, [role=button]')]
    .filter((el) => el.offsetParent !== null)
    .map((el) => { const r = el.getBoundingClientRect(); return [Math.min(r.width, r.height), el.id || el.textContent.trim()]; });
  sizes.sort((a, b) => a[0] - b[0]);
  return sizes[0];
}"""


@pytest.mark.parametrize(("width", "height"), [(1280, 800), (1920, 1080)])
def test_touch_targets_and_layout(agent: Agent, new_page: NewPage, width: int, height: int) -> None:
    page = new_page(agent, "/pos", width=width, height=height)
    pos.login(page, PINS["cashier"])
    pos.tap_product(page, "Капучино")
    page.locator("#dlg-modifiers").wait_for(state="visible")
    smallest, name = page.evaluate(_SMALLEST_CONTROL)
    assert smallest >= 48, f"{name} is {smallest}px"
    page.keyboard.press("Escape")
    smallest, name = page.evaluate(_SMALLEST_CONTROL)
    assert smallest >= 48, f"{name} is {smallest}px"
    # nothing spills out of the screen: the pay buttons stay reachable without scrolling
    box = page.locator("#btn-reprint").bounding_box()
    assert box is not None and box["y"] + box["height"] <= height
    assert page.evaluate("() => document.documentElement.scrollHeight") <= height
    screenshot(page, f"pos-{width}x{height}")


def test_shift_dialog_and_x_report(agent: Agent, new_page: NewPage) -> None:
    page = new_page(agent, "/pos", width=1920, height=1080)
    pos.login(page, PINS["cashier"])
    page.keyboard.press("F4")
    page.locator("#dlg-shift").wait_for(state="visible")
    page.fill("#shift-amount", "100")
    page.fill("#shift-reason", "размен")
    page.click("#shift-cash-in")
    page.locator("#toast", has_text="Внесение").wait_for()
    page.click("#shift-x")
    report = page.locator("#shift-report")
    report.wait_for(state="visible")
    text = report.inner_text().replace("\u00a0", " ")
    assert "Внесение: 100,00" in text and "Должно быть в кассе" in text
    screenshot(page, "pos-shift")


def test_a_refund_left_without_its_receipt_is_finished_from_the_orders_list(agent: Agent, new_page: NewPage) -> None:
    manager = agent.login("manager")
    with agent.api(manager) as client:
        order = client.post("/orders", json={"items": [{"product_id": str(BLACK_TEA), "quantity": "2"}]}).json()["data"]
        paid = client.post(f"/orders/{order['id']}/pay", json={"method": "card"})
        assert paid.json()["data"]["order"]["status"] == "fiscalized", paid.text
        atol = agent.emulator_admin("atol_admin").rsplit("/admin", 1)[0]
        httpx.post(f"{atol}/admin/faults", json={"nextError": {"code": 68, "task": "sellReturn"}}).raise_for_status()
        refused = client.post(f"/orders/{order['id']}/refund", json={"reason": "холодный"})
        assert refused.status_code >= 400
    assert _order(agent, order["id"])["locked"] is True

    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    page.keyboard.press("F3")
    row = page.locator(f"#orders-body tr[data-order='{order['id']}']")
    row.wait_for()
    assert row.locator("button[data-act=refund]").count() == 0  # the card went back once; never twice
    row.locator("button[data-act=finish]").click()
    page.locator("#toast", has_text="Готово").wait_for()
    finished = _order(agent, order["id"])
    assert finished["status"] == "refunded" and not finished["locked"]
    assert finished["refunds"][-1]["fiscal_document"]["kind"] == "sellReturn"


def _locked_with_two_matches(agent: Agent) -> tuple[dict[str, Any], int, int]:
    """A sale the FN registered whose answer is lost (the order is locked) and a sale of the same total rung up
    on the device itself, so the devices cannot tell which is the order's: the order, an earlier FD, its FD."""
    agent.ensure_shift_open()
    atol = agent.emulator_admin("atol_admin").rsplit("/admin", 1)[0]
    with agent.api(agent.login("manager")) as client:
        priming = client.post("/orders", json={"items": [{"product_id": str(BLACK_TEA), "quantity": "1"}]})
        paid = client.post(f"/orders/{priming.json()['data']['id']}/pay", json={"method": "cash"})
        earlier = int(paid.json()["data"]["order"]["fiscal_document"]["document_number"])
        order = client.post("/orders", json={"items": [{"product_id": str(BLACK_TEA), "quantity": "3"}]}).json()["data"]
        faults = {"dropAfterCommit": True, "forgetRequest": True, "nextError": {"code": 2, "task": "getFnStatus"}}
        httpx.post(f"{atol}/admin/faults", json=faults).raise_for_status()
        lost = client.post(f"/orders/{order['id']}/pay", json={"method": "cash"})
        assert lost.status_code == 503, lost.text
        mine = max(int(d["number"]) for d in fiscal_documents(agent.data_dir) if d["task"] == "sell")
        sell_on_the_device(atol, order["total"], TaxationType.USN_INCOME)  # the same total, on no order
        assert client.post(f"/orders/{order['id']}/fiscalize").status_code == 503  # two documents match
    return dict(order), earlier, mine


def test_a_sale_the_devices_cannot_tell_apart_is_settled_with_the_fd_on_the_receipt(
    agent: Agent, new_page: NewPage
) -> None:
    order, earlier, mine = _locked_with_two_matches(agent)

    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    page.keyboard.press("F3")
    row = page.locator(f"#orders-body tr[data-order='{order['id']}']")
    row.wait_for()
    row.locator("button[data-act=name-fd]").click()
    page.locator("#dlg-fd").wait_for(state="visible")
    page.fill("#fd-number", str(earlier))  # a receipt from before this sale
    page.click("#fd-form button[type=submit]")
    pos.manager_pin(page, PINS["manager"])
    page.locator("#fd-error", has_text="выдан раньше, чем продажа ушла в кассу").wait_for()  # why, in words
    assert _order(agent, order["id"])["status"] == "fiscalizing"
    screenshot(page, "pos-enter-fd")

    page.fill("#fd-number", str(mine))
    page.click("#fd-form button[type=submit]")
    pos.manager_pin(page, PINS["manager"])
    page.locator("#toast", has_text="Чек записан").wait_for()
    settled = _order(agent, order["id"])
    assert settled["status"] == "fiscalized" and settled["fiscal_document"]["document_number"] == mine
    assert not page.locator(f"#orders-body tr[data-order='{order['id']}'] button[data-act=name-fd]").count()


def test_a_manager_closes_the_shift_past_a_locked_receipt(agent: Agent, new_page: NewPage) -> None:
    order, _, mine = _locked_with_two_matches(agent)
    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    page.keyboard.press("F4")
    page.locator("#dlg-shift").wait_for(state="visible")
    page.fill("#shift-amount", "0")
    page.click("#shift-close")
    page.locator("#mgr-reason", has_text=order["number"]).wait_for()
    pos.manager_pin(page, PINS["manager"])
    report = page.locator("#shift-report")
    report.wait_for(state="visible")
    assert f"По заказу {order['number']} чек ещё не известен" in report.inner_text()
    screenshot(page, "pos-close-unresolved")
    assert page.locator("#shift-open").is_visible() and not page.locator("#shift-close").is_visible()
    assert _order(agent, order["id"])["locked"] is True  # left as it was, for the next shift

    agent.ensure_shift_open()
    with agent.api(agent.login("manager")) as client:
        r = client.post(f"/orders/{order['id']}/fiscalize", json={"document_number": mine})
        assert r.status_code == 200 and r.json()["data"]["order"]["status"] == "fiscalized", r.text
