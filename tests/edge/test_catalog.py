"""The catalog cache: serving, search, atomic apply of newer snapshots only, the local catalog file."""

from __future__ import annotations

from pathlib import Path

import httpx
import msgspec
import pytest

from protocols.catalog import with_content_hash
from protocols.codec import encode
from protocols.samples import CROISSANT, demo_catalog
from tests.edge.support import WATER, line, running

pytestmark = pytest.mark.integration


def test_catalog_lists_products_with_their_modifier_groups(cashier: httpx.Client) -> None:
    data = cashier.get("/catalog").json()["data"]
    assert data["version"] == 0 and len(data["products"]) == 14
    cappuccino = next(p for p in data["products"] if p["sku"] == "CAP")
    assert [g["name"] for g in cappuccino["modifier_groups"]] == ["Размер", "Молоко", "Сироп"]
    assert cappuccino["available"] is True


def test_search_by_name_sku_and_barcode(cashier: httpx.Client) -> None:
    names = [p["name"] for p in cashier.get("/catalog/products", params={"search": "чай"}).json()["data"]]
    assert names == ["Чай чёрный", "Чай зелёный"]
    by_barcode = cashier.get("/catalog/products", params={"barcode": "4600000000121"}).json()["data"]
    assert [p["sku"] for p in by_barcode] == ["WTR"]
    assert [p["sku"] for p in cashier.get("/catalog/products", params={"search": "crs"}).json()["data"]] == ["CRS"]


def test_catalog_file_applies_newer_versions_only(tmp_path: Path) -> None:
    catalog_file = tmp_path / "catalog.json"
    with running(tmp_path / "edge", catalog_file=str(catalog_file)) as server:
        tech = server.client("4444")
        cashier = server.client()
        base = server.runtime.catalog.current.snapshot
        stop_listed = with_content_hash(msgspec.structs.replace(base, version=2, stop_list=[CROISSANT]))
        catalog_file.write_bytes(encode(stop_listed))
        assert tech.post("/catalog/reload").status_code == 201
        assert cashier.get("/catalog").json()["data"]["version"] == 2
        r = cashier.post("/orders", json={"items": [line(str(CROISSANT))]})
        assert r.status_code == 422 and r.json()["code"] == "stop_listed"
        # an older version is refused and version 2 keeps serving
        catalog_file.write_bytes(encode(demo_catalog(version=1)))
        r = tech.post("/catalog/reload")
        assert r.status_code == 422 and r.json()["code"] == "catalog_rejected"
        # a snapshot whose hash does not match its content is refused
        tampered = msgspec.structs.replace(stop_listed, version=3, stop_list=[])
        catalog_file.write_bytes(encode(tampered))
        assert tech.post("/catalog/reload").status_code == 422
        assert cashier.get("/catalog").json()["data"]["version"] == 2
        assert server.query("SELECT version FROM catalog_snapshots") == [(2,)]
        assert server.query("SELECT stop_listed FROM products WHERE id = ?", str(CROISSANT)) == [(1,)]
        assert cashier.post("/orders", json={"items": [line(WATER)]}).status_code == 201
        tech.close()
        cashier.close()
