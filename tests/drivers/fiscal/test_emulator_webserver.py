"""The emulator's Web Server semantics over raw HTTP: uuid accepted once, FIFO states, interrupted tasks,
404 for unknown uuids, cancel, and request results that survive a restart."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import msgspec
import pytest

from drivers.sim._atol_store import Store
from drivers.sim.atol import AtolEmulator
from tests.drivers.fiscal.conftest import Harness

pytestmark = pytest.mark.integration

OPEN_SHIFT = {"type": "openShift", "operator": {"name": "Кассир"}}


def sell(**overrides: Any) -> dict[str, Any]:
    task: dict[str, Any] = {
        "type": "sell",
        "taxationType": "osn",
        "operator": {"name": "Кассир"},
        "items": [
            {
                "type": "position",
                "name": "Эспрессо",
                "price": 150.00,
                "quantity": 1,
                "amount": 150.00,
                "tax": {"type": "vat22"},
                "paymentMethod": "fullPayment",
                "paymentObject": "commodity",
                "measurementUnit": "piece",
            }
        ],
        "payments": [{"type": "electronically", "sum": 150.00}],
        "total": 150.00,
    }
    task.update(overrides)
    return task


def post(atol: Harness, *tasks: dict[str, Any], request_id: str | None = None) -> tuple[str, httpx.Response]:
    request_id = request_id or str(uuid.uuid4())
    response = atol.http.post(f"{atol.url}/api/v2/requests", json={"uuid": request_id, "request": list(tasks)})
    return request_id, response


def results(atol: Harness, request_id: str) -> list[dict[str, Any]]:
    response = atol.http.get(f"{atol.url}/api/v2/requests/{request_id}")
    response.raise_for_status()
    data: list[dict[str, Any]] = response.json()["results"]
    return data


def finished(atol: Harness, request_id: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    deadline = time.monotonic() + timeout
    while True:
        res = results(atol, request_id)
        if all(r["status"] in ("ready", "error", "interrupted", "canceled") for r in res):
            return res
        assert time.monotonic() < deadline, res
        time.sleep(0.005)


def run(atol: Harness, *tasks: dict[str, Any]) -> list[dict[str, Any]]:
    request_id, response = post(atol, *tasks)
    assert response.status_code == 201, response.text
    return finished(atol, request_id)


def test_post_answers_uuid_number_and_not_blocked(atol: Harness) -> None:
    request_id, response = post(atol, {"type": "getFnStatus"})
    assert response.status_code == 201
    body = response.json()
    assert body["uuid"] == request_id and body["isBlocked"] is False and body["number"] >= 1
    (result,) = finished(atol, request_id)
    assert result["status"] == "ready"
    assert result["errorCode"] == 0 and result["errorDescription"] == "Ошибок нет"
    assert result["result"]["fnStatus"]["fiscalDocumentNumber"] == 1  # the registration report


def test_a_single_task_object_is_accepted_as_the_request(atol: Harness) -> None:
    request_id = str(uuid.uuid4())
    response = atol.http.post(
        f"{atol.url}/api/v2/requests", json={"uuid": request_id, "request": {"type": "getFnStatus"}}
    )
    assert response.status_code == 201
    assert finished(atol, request_id)[0]["status"] == "ready"


def test_a_uuid_is_accepted_once(atol: Harness) -> None:
    request_id, first = post(atol, OPEN_SHIFT)
    assert first.status_code == 201
    first_result = finished(atol, request_id)
    _, again = post(atol, OPEN_SHIFT, request_id=request_id)
    assert again.status_code == 409
    assert again.json()["error"]["description"]
    assert finished(atol, request_id) == first_result
    assert atol.emu.device.state.last_fd == 2  # the shift was opened once


def test_unknown_uuid_is_404(atol: Harness) -> None:
    response = atol.http.get(f"{atol.url}/api/v2/requests/{uuid.uuid4()}")
    assert response.status_code == 404
    assert "error" in response.json()


def test_malformed_post_is_400(atol: Harness) -> None:
    assert atol.http.post(f"{atol.url}/api/v2/requests", content=b"{nope").status_code == 400
    assert atol.http.post(f"{atol.url}/api/v2/requests", json={"uuid": "x", "request": []}).status_code == 400
    assert atol.http.post(f"{atol.url}/api/v2/requests", json={"request": [OPEN_SHIFT]}).status_code == 400


def test_states_go_wait_in_progress_ready_in_fifo_order(atol: Harness) -> None:
    atol.faults(delay=0.3)
    first, _ = post(atol, {"type": "getFnStatus"})
    second, response = post(atol, {"type": "getShiftStatus"})
    assert response.json()["number"] == 2
    seen_first: set[str] = set()
    seen_second: set[str] = set()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        seen_first.add(results(atol, first)[0]["status"])
        seen_second.add(results(atol, second)[0]["status"])
        if "ready" in seen_second:
            break
        time.sleep(0.02)
    assert {"inProgress", "ready"} <= seen_first
    assert {"wait", "inProgress", "ready"} <= seen_second


def test_tasks_after_a_failed_task_are_interrupted(atol: Harness) -> None:
    res = run(atol, sell(), {"type": "getFnStatus"}, OPEN_SHIFT)
    assert [r["status"] for r in res] == ["error", "interrupted", "interrupted"]
    assert res[0]["errorCode"] == 73  # the shift is closed: the device does not open one by itself
    assert {r["errorCode"] for r in res[1:]} == {502}
    assert atol.emu.device.state.shift.open is False


def test_several_tasks_run_in_order(atol: Harness) -> None:
    res = run(atol, OPEN_SHIFT, sell(), {"type": "getFnStatus"})
    assert [r["status"] for r in res] == ["ready", "ready", "ready"]
    assert res[1]["result"]["fiscalParams"]["fiscalDocumentNumber"] == 3
    assert res[2]["result"]["fnStatus"]["fiscalDocumentNumber"] == 3


def test_a_waiting_request_can_be_canceled(atol: Harness) -> None:
    atol.faults(delay=0.3)
    post(atol, {"type": "getFnStatus"})
    second, _ = post(atol, OPEN_SHIFT)
    response = atol.http.delete(f"{atol.url}/api/v2/requests/{second}")
    assert response.status_code == 200
    assert finished(atol, second)[0]["status"] == "canceled"
    atol.faults(delay=0)
    time.sleep(0.4)
    assert atol.emu.device.state.shift.open is False


def test_totals_come_back_as_exact_numbers(atol: Harness) -> None:
    run(atol, OPEN_SHIFT)
    price = {"price": 250.10, "amount": 250.10}
    task = sell(payments=[{"type": "cash", "sum": 300}], total=250.10)
    task["items"][0].update(price)
    request_id, _ = post(atol, task)
    finished(atol, request_id)
    raw = atol.http.get(f"{atol.url}/api/v2/requests/{request_id}").content
    assert b'"total":250.10' in raw


def test_request_results_survive_a_restart(atol: Harness) -> None:
    request_id, _ = post(atol, OPEN_SHIFT)
    before = finished(atol, request_id)
    atol.restart()
    assert results(atol, request_id) == before
    _, again = post(atol, OPEN_SHIFT, request_id=request_id)
    assert again.status_code == 409


def test_finished_requests_are_forgotten_after_the_retention(atol: Harness) -> None:
    request_id, _ = post(atol, {"type": "getFnStatus"})
    finished(atol, request_id)
    atol.emu.stop()
    atol.emu = AtolEmulator(atol.state_dir, atol.journal_dir, port=atol.emu.port, request_retention=timedelta(0))
    atol.emu.start()
    assert atol.http.get(f"{atol.url}/api/v2/requests/{request_id}").status_code == 404
    assert atol.emu.device.store.load_requests() == []


def test_a_task_running_at_shutdown_is_a_lost_connection_and_waiting_ones_run_after_restart(atol: Harness) -> None:
    atol.faults(delay=0.5)
    running, _ = post(atol, OPEN_SHIFT)
    waiting, _ = post(atol, {"type": "getFnStatus"})
    deadline = time.monotonic() + 5
    while results(atol, running)[0]["status"] != "inProgress":
        assert time.monotonic() < deadline
        time.sleep(0.01)
    atol.restart()
    (lost,) = finished(atol, running)
    assert (lost["status"], lost["errorCode"]) == ("error", 241)
    (later,) = finished(atol, waiting)
    assert later["status"] == "ready"
    assert atol.emu.device.state.shift.open is False


def test_drop_before_commit_executes_nothing_and_records_no_uuid(atol: Harness) -> None:
    atol.faults(dropBeforeCommit=True)
    request_id = str(uuid.uuid4())
    with pytest.raises(httpx.RemoteProtocolError):
        post(atol, OPEN_SHIFT, request_id=request_id)
    assert atol.http.get(f"{atol.url}/api/v2/requests/{request_id}").status_code == 404
    assert atol.emu.device.state.last_fd == 1
    # one-shot: the next request goes through
    assert run(atol, OPEN_SHIFT)[0]["status"] == "ready"


def test_drop_after_commit_executes_and_loses_the_answer(atol: Harness) -> None:
    atol.faults(dropAfterCommit=True)
    request_id = str(uuid.uuid4())
    with pytest.raises(httpx.RemoteProtocolError):
        post(atol, OPEN_SHIFT, request_id=request_id)
    assert atol.emu.device.state.last_fd == 2
    assert finished(atol, request_id)[0]["status"] == "ready"


def test_drop_after_commit_can_make_the_server_forget_the_uuid(atol: Harness) -> None:
    atol.faults(dropAfterCommit=True, forgetRequest=True)
    request_id = str(uuid.uuid4())
    with pytest.raises(httpx.RemoteProtocolError):
        post(atol, OPEN_SHIFT, request_id=request_id)
    assert atol.emu.device.state.last_fd == 2
    assert atol.http.get(f"{atol.url}/api/v2/requests/{request_id}").status_code == 404


def test_admin_state_faults_and_clock(atol: Harness) -> None:
    state = atol.admin("state")
    assert state["lastDocumentNumber"] == 1
    assert state["shift"] == {"state": "closed", "number": 0, "openedAt": None, "receipts": 0}
    faults = atol.faults(paperOut=True, delay=0.1, nextError={"code": 55, "task": "sell"})
    assert faults["paperOut"] is True and faults["delay"] == 0.1
    assert faults["nextError"] == {"code": 55, "description": "Ошибка, заданная в эмуляторе", "task": "sell"}
    before = atol.emu.device.now()
    atol.advance(3600)
    assert (atol.emu.device.now() - before).total_seconds() >= 3600
    bad = atol.http.post(f"{atol.url}/admin/faults", json={"paperGone": True})
    assert bad.status_code == 400


# ------------------------------------------------------------------------------------- validation


@pytest.fixture
def opened(atol: Harness) -> Harness:
    run(atol, OPEN_SHIFT)
    return atol


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Harness]:
    """One emulator with an open shift for the validation tests, which only add documents."""
    root = tmp_path_factory.mktemp("atol-validation")
    harness = Harness(root / "state", root / "journal", AtolEmulator(root / "state", root / "journal", port=0))
    harness.emu.start()
    run(harness, OPEN_SHIFT)
    yield harness
    harness.http.close()
    harness.emu.stop()


def position(**overrides: Any) -> dict[str, Any]:
    task = sell()
    task["items"][0].update(overrides)
    return task


@pytest.mark.parametrize(
    ("task", "field"),
    [
        (sell(taxationType="usn"), "taxationType"),
        (position(tax={"type": "vat18"}), "tax.type"),
        (position(paymentMethod="full"), "paymentMethod"),
        (position(paymentObject="goods"), "paymentObject"),
        (position(measurementUnit="шт"), "measurementUnit"),
        (sell(payments=[{"type": "card", "sum": 150}]), "payments[0].type"),
        (position(type="item"), "type"),
        (position(amount=149.99), "amount"),
        (position(price=1.005, amount=1.01), "price"),
        (sell(electronically=True), "clientInfo.emailOrPhone"),
        (sell(type="sellCorrection"), "correctionType"),
        (sell(type="sellCorrection", correctionType="self", correctionBaseDate="01.03.2026"), "correctionBaseDate"),
        ({"type": "fiscalMagic"}, "fiscalMagic"),
    ],
)
def test_invalid_receipts_are_parse_errors(shared: Harness, task: dict[str, Any], field: str) -> None:
    before = shared.emu.device.state.last_fd
    (res,) = run(shared, task)
    assert (res["status"], res["errorCode"]) == ("error", 501), res
    assert field in res["errorDescription"]
    assert shared.emu.device.state.last_fd == before


@pytest.mark.parametrize("rate", ["vat22", "vat122", "vat5", "vat7", "vat105", "vat107", "vat0", "none"])
def test_every_current_vat_rate_is_accepted(shared: Harness, rate: str) -> None:
    (res,) = run(shared, position(tax={"type": rate}))
    assert res["status"] == "ready", res


def test_amount_is_price_times_quantity_to_the_kopeck(shared: Harness) -> None:
    weighed = position(price=123.45, quantity=0.250, amount=30.86, measurementUnit="kilogram")
    weighed["payments"] = [{"type": "electronically", "sum": 30.86}]
    weighed["total"] = 30.86
    assert run(shared, weighed)[0]["status"] == "ready"
    off_by_one = position(price=123.45, quantity=0.250, amount=30.87)
    assert run(shared, off_by_one)[0]["errorCode"] == 501


def test_discount_is_the_difference_to_price_times_quantity(shared: Harness) -> None:
    discounted = position(amount=135.00, infoDiscountAmount=15.00)
    discounted["payments"] = [{"type": "cash", "sum": 135}]
    discounted["total"] = 135
    assert run(shared, discounted)[0]["status"] == "ready"


def test_numeric_codes_parse_like_names(shared: Harness) -> None:
    task = position(paymentObject=1, measurementUnit="0")
    task["payments"] = [{"type": 1, "sum": 150}]
    assert run(shared, task)[0]["status"] == "ready"


def test_payments_below_total_are_66(shared: Harness) -> None:
    (res,) = run(shared, sell(payments=[{"type": "cash", "sum": 149.99}]))
    assert res["errorCode"] == 66


def test_non_cash_above_total_is_52(shared: Harness) -> None:
    (res,) = run(shared, sell(payments=[{"type": "electronically", "sum": 150.01}]))
    assert res["errorCode"] == 52


def test_only_cash_may_exceed_the_total_and_the_excess_is_change(opened: Harness) -> None:
    task = sell(payments=[{"type": "electronically", "sum": 100}, {"type": "cash", "sum": 100}])
    (res,) = run(opened, task)
    assert res["status"] == "ready"
    number = res["result"]["fiscalParams"]["fiscalDocumentNumber"]
    assert "СДАЧА                     =50.00" in opened.paper(number).read_text()
    assert opened.emu.device.state.cash == 5000


def test_electronic_receipt_with_contact_is_not_printed(opened: Harness) -> None:
    (res,) = run(opened, sell(electronically=True, clientInfo={"emailOrPhone": "+79990000000"}))
    number = res["result"]["fiscalParams"]["fiscalDocumentNumber"]
    assert (opened.journal_dir / f"{number:06d}.json").exists()
    assert not opened.paper(number).exists()


def test_open_shift_twice_is_83(shared: Harness) -> None:
    assert run(shared, OPEN_SHIFT)[0]["errorCode"] == 83


def test_a_task_that_fails_midway_commits_nothing_of_what_it_wrote(atol: Harness) -> None:
    store = atol.emu.device.store
    before = store.load_fn()
    assert before is not None
    document = store.load_document(before.last_fd)
    assert document is not None
    changed = msgspec.structs.replace(before, last_fd=before.last_fd + 1, cash=before.cash + 100)
    with pytest.raises(RuntimeError), store.atomic():
        store.save_document(msgspec.structs.replace(document, number=before.last_fd + 1))
        store.save_fn(changed)
        raise RuntimeError("power cut")
    assert store.load_fn() == before
    assert store.load_document(before.last_fd + 1) is None


def test_a_state_directory_of_an_earlier_version_is_imported_once(atol: Harness) -> None:
    shift_id, _ = post(atol, OPEN_SHIFT)
    finished(atol, shift_id)
    sale_id, _ = post(atol, sell())
    (sale,) = finished(atol, sale_id)
    atol.emu.stop()
    # Lay the same state out the way an earlier version kept it: fn.json, documents/, requests/.
    old = Store(atol.state_dir)
    fn, requests = old.load_fn(), old.load_requests()
    assert fn is not None
    documents = [old.load_document(n) for n in range(1, fn.last_fd + 1)]
    old.close()
    for name in ("fn.db", "fn.db-wal", "fn.db-shm"):
        (atol.state_dir / name).unlink(missing_ok=True)
    (atol.state_dir / "fn.json").write_bytes(msgspec.json.encode(fn))
    for folder in ("documents", "requests"):
        (atol.state_dir / folder).mkdir()
    for document in documents:
        assert document is not None
        (atol.state_dir / "documents" / f"{document.number:06d}.json").write_bytes(msgspec.json.encode(document))
    for request in requests:
        (atol.state_dir / "requests" / f"{request.uuid}.json").write_bytes(msgspec.json.encode(request))

    atol.start_again()
    assert results(atol, sale_id) == [sale]
    assert not (atol.state_dir / "fn.json").exists()
    assert not list((atol.state_dir / "documents").glob("*.json"))
    number = sale["result"]["fiscalParams"]["fiscalDocumentNumber"]
    fetched_id, _ = post(atol, {"type": "getFnDocument", "fiscalDocumentNumber": number})
    (fetched,) = finished(atol, fetched_id)
    assert fetched["status"] == "ready"
    atol.restart()  # nothing left to import: the database alone carries the state
    assert results(atol, sale_id) == [sale]
    next_id, _ = post(atol, sell())
    (after,) = finished(atol, next_id)
    assert after["result"]["fiscalParams"]["fiscalDocumentNumber"] == number + 1
