"""The app shell: health, readiness, metrics, OpenAPI, device token, Problem Details for every error."""

from __future__ import annotations

import httpx
import pytest
from litestar.routes import HTTPRoute

from edge.domain.deps import require_device_token
from edge.plugins import API_PREFIX
from tests.edge.support import EdgeServer

pytestmark = pytest.mark.integration


def test_health_ready_and_schema(edge: EdgeServer) -> None:
    assert httpx.get(f"{edge.url}/healthz").json() == {"status": "ok"}
    ready = httpx.get(f"{edge.url}/readyz")
    assert ready.status_code == 200 and ready.json()["ready"] is True
    schema = httpx.get(f"{edge.url}/schema/openapi.json").json()
    assert "/api/v1/orders/{order_id}/pay" in schema["paths"]


def test_metrics_expose_outbox_backlog(edge: EdgeServer) -> None:
    text = httpx.get(f"{edge.url}/metrics").text
    assert "yago_edge_outbox_backlog" in text
    backlog = next(line for line in text.splitlines() if line.startswith("yago_edge_outbox_backlog "))
    assert float(backlog.split()[1]) == edge.count("outbox")


def test_api_needs_the_device_token(edge: EdgeServer) -> None:
    r = httpx.get(f"{edge.url}/api/v1/catalog", headers={"X-Device-Token": "wrong"})
    assert r.status_code == 401
    assert r.headers["content-type"].startswith("application/problem+json")
    body = r.json()
    assert body["code"] == "device_token" and body["status"] == 401 and body["instance"] == "/api/v1/catalog"


def test_the_device_token_is_checked_before_the_body_is_read(edge: EdgeServer) -> None:
    before = edge.count("orders")
    r = httpx.post(f"{edge.url}/api/v1/orders", content=b'{"items": [', headers={"content-type": "application/json"})
    assert r.status_code == 401 and r.json()["code"] == "device_token"
    assert edge.count("orders") == before


def test_every_api_route_checks_the_device_token(edge: EdgeServer) -> None:
    """A layer below the API router that set a ``before_request`` of its own would replace the check."""
    api = [route for route in edge.app.routes if route.path.startswith(API_PREFIX)]
    assert len(api) > 20
    for route in api:
        assert isinstance(route, HTTPRoute), f"{route.path} is not an HTTP route: it would skip the check"
        for handler in route.route_handlers:
            assert handler.resolve_before_request() is require_device_token, route.path


def test_api_needs_a_session(edge: EdgeServer) -> None:
    with edge.client(pin=None) as anonymous:
        r = anonymous.get("/orders")
    assert r.status_code == 401 and r.json()["code"] == "session_required"


@pytest.mark.parametrize(
    ("method", "path", "status", "code"),
    [("GET", "/nowhere", 404, "not_found"), ("DELETE", "/healthz", 405, "method_not_allowed")],
)
def test_routing_errors_are_problems(edge: EdgeServer, method: str, path: str, status: int, code: str) -> None:
    r = httpx.request(method, f"{edge.url}{path}")
    assert r.status_code == status
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == code and r.json()["type"].startswith("https://")


def test_malformed_json_is_a_problem_and_writes_nothing(edge: EdgeServer, cashier: httpx.Client) -> None:
    before = (edge.count("orders"), edge.count("outbox"))
    r = cashier.post("/orders", content=b'{"items": [', headers={"content-type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"
    assert (edge.count("orders"), edge.count("outbox")) == before


def test_validation_error_names_the_field(edge: EdgeServer, cashier: httpx.Client) -> None:
    r = cashier.post("/orders", json={"items": [{"product_id": "not-a-uuid"}]})
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "validation_error" and body["title"]


def test_status_reports_agent_catalog_and_hub(edge: EdgeServer) -> None:
    with edge.client(pin=None) as anonymous:
        data = anonymous.get("/status").json()["data"]
    assert data["agent"]["ready"] is True and data["agent"]["demo"] is True
    assert data["catalog"]["version"] == 0 and len(data["catalog"]["content_hash"]) == 64
    assert data["hub"]["enrolled"] is False and data["hub"]["connected"] is False
    assert data["backlog"]["count"] == edge.count("outbox")
    assert {d["kind"] for d in data["devices"]} >= {"fiscal", "printer"}
