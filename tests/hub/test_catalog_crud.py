"""Catalog CRUD beyond products: VAT rates, modifier options, ingredients and recipes, all of which
land in the location's snapshot; invalid shapes are refused with problems."""

from __future__ import annotations

import pytest

from tests.hub._api import Client, create_location, owner_headers

pytestmark = pytest.mark.integration


async def test_vat_modifiers_ingredients_and_recipes_reach_the_snapshot(client: Client) -> None:
    h = await owner_headers(client)
    location = await create_location(client, h)
    vat = await client.post(
        "/api/v1/catalog/vat-rates", json={"code": "vat22", "name": "НДС 22%", "percent": "22"}, headers=h
    )
    assert vat.status_code == 201, vat.text
    assert (
        await client.post("/api/v1/catalog/vat-rates", json={"code": "x", "name": "x", "percent": "120"}, headers=h)
    ).status_code == 400
    group = (
        await client.post(
            "/api/v1/catalog/modifier-groups", json={"name": "Сироп", "kind": "multi", "max_select": 2}, headers=h
        )
    ).json()
    option = await client.post(
        f"/api/v1/catalog/modifier-groups/{group['id']}/options",
        json={"name": "Ваниль", "price_delta": 3000},
        headers=h,
    )
    assert option.status_code == 201
    await client.patch(f"/api/v1/catalog/modifier-options/{option.json()['id']}", json={"price_delta": 3500}, headers=h)
    single_of_two = await client.post(
        "/api/v1/catalog/modifier-groups", json={"name": "X", "kind": "single", "max_select": 2}, headers=h
    )
    assert single_of_two.status_code == 400
    beans = (
        await client.post("/api/v1/catalog/ingredients", json={"name": "Кофе зерно", "unit": "gram"}, headers=h)
    ).json()
    milk = (
        await client.post("/api/v1/catalog/ingredients", json={"name": "Молоко", "unit": "milliliter"}, headers=h)
    ).json()
    product = (
        await client.post(
            "/api/v1/catalog/products",
            json={
                "sku": "CAP",
                "name": "Капучино",
                "price": 22000,
                "vat_rate": "vat22",
                "modifier_group_ids": [group["id"]],
            },
            headers=h,
        )
    ).json()
    recipe = {
        "ingredients": [
            {"ingredient_id": beans["id"], "quantity": "18", "unit": "gram"},
            {"ingredient_id": milk["id"], "quantity": "180.5", "unit": "milliliter"},
        ]
    }
    put = await client.put(f"/api/v1/catalog/products/{product['id']}/recipe", json=recipe, headers=h)
    assert put.status_code == 200, put.text
    assert [i["name"] for i in put.json()["ingredients"]] == ["Кофе зерно", "Молоко"]
    too_precise = {"ingredients": [{"ingredient_id": beans["id"], "quantity": "0.0001", "unit": "gram"}]}
    assert (
        await client.put(f"/api/v1/catalog/products/{product['id']}/recipe", json=too_precise, headers=h)
    ).status_code == 400

    snapshot = (await client.get(f"/api/v1/locations/{location['id']}/catalog", headers=h)).json()
    assert [v["code"] for v in snapshot["vat_rates"]] == ["vat22"]
    assert snapshot["modifier_groups"][0]["options"][0]["price_delta"] == 3500
    assert [(i["name"], i["quantity"]) for i in snapshot["recipes"][0]["ingredients"]] == [
        ("Кофе зерно", "18"),
        ("Молоко", "180.5"),
    ]

    await client.delete(f"/api/v1/catalog/products/{product['id']}/recipe", headers=h)
    assert (await client.get(f"/api/v1/catalog/products/{product['id']}/recipe", headers=h)).json()["ingredients"] == []
    await client.delete(f"/api/v1/catalog/modifier-groups/{group['id']}", headers=h)
    after = (await client.get(f"/api/v1/catalog/products/{product['id']}", headers=h)).json()
    assert after["modifier_group_ids"] == []
    snapshot = (await client.get(f"/api/v1/locations/{location['id']}/catalog", headers=h)).json()
    assert snapshot["recipes"] == [] and snapshot["modifier_groups"] == []
