"""Screens on the LAN: the box's own screen (loopback) gets the device token with its pages; any other browser
gets only the pairing form until it enters a one-time code a manager or technician issued, and then holds a
signed cookie. A LAN browser is a request the agent sees from another address (through the forwarded-for
header uvicorn honours from the loopback proxy, as the test client is on the box itself)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import httpx
import pytest

from edge.domain.screens.services import MAX_WRONG_CODES, SCREEN_COOKIE
from protocols.samples import DEMO_PINS
from tests.edge.support import TOKEN, EdgeServer, running

pytestmark = pytest.mark.integration

LAN = {"X-Forwarded-For": "192.0.2.77"}


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeServer]:
    with running(tmp_path_factory.mktemp("screens")) as server:
        yield server


def _browser(edge: EdgeServer, headers: dict[str, str] | None = None, screen: str | None = None) -> httpx.Client:
    cookies = {SCREEN_COOKIE: screen} if screen else None
    return httpx.Client(base_url=edge.url, headers=headers or {}, cookies=cookies, timeout=30, follow_redirects=False)


def _code(edge: EdgeServer, role: str = "technician") -> str:
    with closing(edge.client(DEMO_PINS[role])) as client:
        r = client.post("/screens/pairing-codes", json={})
        assert r.status_code == 201, r.text
        code = r.json()["data"]["code"]
    assert re.fullmatch(r"\d{6}", code)
    return str(code)


def _token_in(page: str) -> bool:
    return f'"deviceToken": "{TOKEN}"' in page or f'"deviceToken":"{TOKEN}"' in page


def test_the_box_screen_gets_the_token_and_a_lan_browser_only_the_pairing_form(edge: EdgeServer) -> None:
    with _browser(edge) as box:
        page = box.get("/pos")
        assert page.status_code == 200 and _token_in(page.text) and 'id="pair"' not in page.text
    with _browser(edge, LAN) as lan:
        for path in ("/pos", "/kds"):
            page = lan.get(path)
            assert page.status_code == 200
            assert 'id="pair"' in page.text and TOKEN not in page.text
            assert f'name="next" value="{path}"' in page.text
        ready = lan.get("/ready")  # the customers' board carries no token anywhere
        assert ready.status_code == 200 and 'id="pair"' not in ready.text
        # the pages' own server side does not lend the box's token to an unpaired browser either
        assert lan.post("/ui/kds/019a0000-0000-7000-8000-00000000dead/bump").status_code == 401


def test_a_cashier_needs_a_manager_pin_for_a_pairing_code(edge: EdgeServer) -> None:
    audited = edge.count("audit_log")
    with closing(edge.client(DEMO_PINS["cashier"])) as cashier:
        refused = cashier.post("/screens/pairing-codes", json={})
        assert refused.status_code == 403
        assert refused.headers["content-type"].startswith("application/problem+json")
        assert refused.json()["code"] == "approval_required"
        wrong = cashier.post("/screens/pairing-codes", json={"approval_pin": DEMO_PINS["kitchen"]})
        assert wrong.status_code == 403 and wrong.json()["code"] == "approval_denied"
        assert edge.count("audit_log") == audited  # nothing issued, nothing recorded
        approved = cashier.post("/screens/pairing-codes", json={"approval_pin": DEMO_PINS["manager"]})
        assert approved.status_code == 201, approved.text
        assert approved.json()["data"]["valid_seconds"] == 600
    with closing(edge.client(DEMO_PINS["kitchen"])) as kitchen:
        assert kitchen.post("/screens/pairing-codes", json={}).status_code == 403
    rows = edge.query("SELECT action, approver_id FROM audit_log ORDER BY id DESC LIMIT 1")
    assert rows[0][0] == "screen_pairing_code" and rows[0][1] is not None


def test_a_code_pairs_one_screen_once_and_its_cookie_opens_the_pages(edge: EdgeServer) -> None:
    code = _code(edge)
    with _browser(edge, LAN) as lan:
        wrong = lan.post("/ui/pair", data={"code": "not-it", "next": "/kds"})
        assert wrong.status_code == 403 and 'id="pair"' in wrong.text and TOKEN not in wrong.text
        assert SCREEN_COOKIE not in wrong.cookies
        paired = lan.post("/ui/pair", data={"code": code, "next": "/kds"})
        assert paired.status_code == 303 and paired.headers["location"] == "/kds"
        set_cookie = paired.headers["set-cookie"]
        assert SCREEN_COOKIE in set_cookie and "HttpOnly" in set_cookie and "samesite=strict" in set_cookie.lower()
        kds = lan.get("/kds")
        assert kds.status_code == 200 and _token_in(kds.text) and 'id="pair"' not in kds.text
        assert SCREEN_COOKIE in kds.headers.get("set-cookie", "")  # renewed on every page load
    with _browser(edge, LAN, screen="019a0000-0000-7000-8000-000000000001.00ff") as other:
        forged = other.get("/pos")
        assert 'id="pair"' in forged.text and TOKEN not in forged.text
        again = other.post("/ui/pair", data={"code": code, "next": "/pos"})
        assert again.status_code == 403  # one use
        outside = other.post("/ui/pair", data={"code": _code(edge), "next": "https://elsewhere.example/"})
        assert outside.status_code == 303 and outside.headers["location"] == "/pos"
    rows = edge.query("SELECT detail FROM audit_log WHERE action = 'screen_paired'")
    assert len(rows) == 2 and all("192.0.2.77" in detail for (detail,) in rows)


def test_wrong_codes_in_a_row_void_every_outstanding_code(edge: EdgeServer) -> None:
    code = _code(edge)
    with _browser(edge, LAN) as lan:
        for _ in range(MAX_WRONG_CODES):
            assert lan.post("/ui/pair", data={"code": "000000" if code != "000000" else "111111"}).status_code == 403
        assert lan.post("/ui/pair", data={"code": code}).status_code == 403
        fresh = _code(edge)
        assert lan.post("/ui/pair", data={"code": fresh}).status_code == 303


def test_a_new_device_token_unpairs_every_screen(tmp_path: Path) -> None:
    data_dir = tmp_path
    with running(data_dir) as server, _browser(server, LAN) as lan:
        assert lan.post("/ui/pair", data={"code": _code(server)}).status_code == 303
        cookie = lan.cookies[SCREEN_COOKIE]
        assert _token_in(lan.get("/pos").text)
    with running(data_dir, device_token="a-new-device-token") as server, _browser(server, LAN, cookie) as lan:
        page = lan.get("/pos")
        assert 'id="pair"' in page.text and "a-new-device-token" not in page.text
