"""The status strip every page shows: the hub link goes offline when the broker stops (selling goes on), and a
printer out of paper is said in words the cashier understands."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from protocols.samples import DEMO_LOCATION_ID, DEMO_ORG_ID
from tests.edge.web import _pos as pos
from tests.edge.web.conftest import PINS, REGISTER_ID, Agent, screenshot, start_agent
from tests.support.mosquitto import MosquittoBroker

pytestmark = [pytest.mark.integration, pytest.mark.browser]


@pytest.fixture
def linked_agent(tmp_path: Path, broker: MosquittoBroker) -> Iterator[Agent]:
    """A demo register enrolled against a private broker (no hub answers: the link is all we watch)."""
    env = {
        "YAGO_EDGE__SYNC__BROKER_HOST": broker.host,
        "YAGO_EDGE__SYNC__BROKER_PORT": str(broker.port),
        "YAGO_EDGE__SYNC__ORG_ID": str(DEMO_ORG_ID),
        "YAGO_EDGE__SYNC__LOCATION_ID": str(DEMO_LOCATION_ID),
        "YAGO_EDGE__SYNC__REGISTER_ID": REGISTER_ID,
        "YAGO_EDGE__SYNC__RECONNECT_MAX_SECONDS": "1",
    }
    running = start_agent(tmp_path, env)
    try:
        yield running
    finally:
        running.stop()


def test_offline_banner_when_the_broker_stops(
    linked_agent: Agent, broker: MosquittoBroker, new_page: Callable[..., Any]
) -> None:
    page = new_page(linked_agent, "/pos")
    pos.login(page, PINS["cashier"])
    hub = page.locator("#hub-link")
    page.locator("#hub-link[data-level=ok]").wait_for(timeout=20000)
    assert "Связь с офисом есть" in hub.inner_text()
    assert page.locator("#banner").inner_text().strip() == ""

    broker.stop()
    page.locator("#hub-link[data-level=bad]").wait_for(timeout=20000)
    assert "Нет связи с офисом" in hub.inner_text()
    assert "ждут отправки" in hub.inner_text()
    banner = page.locator("#banner .banner")
    banner.wait_for()
    assert "продолжайте продавать" in banner.inner_text()
    screenshot(page, "pos-offline")

    broker.start()  # same port: the register comes back by itself
    page.locator("#hub-link[data-level=ok]").wait_for(timeout=30000)


def test_paper_out_warning(agent: Agent, new_page: Callable[..., Any]) -> None:
    admin = agent.emulator_admin("printer_admin")
    page = new_page(agent, "/pos")
    pos.login(page, PINS["cashier"])
    assert page.locator(".device-problem").count() == 0
    httpx.post(admin, json={"paper": "out"}, timeout=5).raise_for_status()
    agent.refresh_devices()
    try:
        problem = page.locator(".device-problem", has_text="закончилась бумага")
        problem.wait_for(timeout=20000)
        assert "bad" in (problem.get_attribute("class") or "")
        page.locator("#banner .banner", has_text="вставьте новый рулон").wait_for()
        screenshot(page, "pos-paper-out")
    finally:
        httpx.post(admin, json={"paper": "ok"}, timeout=5)
        agent.refresh_devices()
    page.locator(".device-problem", has_text="закончилась бумага").wait_for(state="detached", timeout=20000)
