"""The demo coffee-shop catalog (Russian names; sizes, milk and syrups as modifiers) as a snapshot.

The hub seeds it for ``make demo``; a standalone register loads it as its local catalog file. Ids are
fixed UUIDv7 values so the hub, the registers and the tests agree on them.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from decimal import Decimal

from protocols.catalog import (
    CatalogSnapshot,
    Category,
    ModifierGroup,
    ModifierOption,
    Product,
    Recipe,
    RecipeIngredient,
    StaffMember,
    VatRateDef,
    with_content_hash,
)

DEMO_ORG_ID = uuid.UUID("019a0000-0000-7000-8000-000000000001")
DEMO_LOCATION_ID = uuid.UUID("019a0000-0000-7000-8000-000000000002")
DEMO_REGISTER_IDS = (
    uuid.UUID("019a0000-0000-7000-8000-000000000003"),
    uuid.UUID("019a0000-0000-7000-8000-000000000004"),
)


def _id(n: int) -> uuid.UUID:
    return uuid.UUID(f"019a0000-0001-7000-8000-{n:012d}")


# Categories
COFFEE, TEA, BAKERY, DRINKS = _id(1), _id(2), _id(3), _id(4)
# Modifier groups
SIZE, MILK, SYRUP, HEAT = _id(10), _id(11), _id(12), _id(13)
# Options
SIZE_S, SIZE_M, SIZE_L = _id(20), _id(21), _id(22)
MILK_COW, MILK_OAT, MILK_ALMOND, MILK_LACTOSE_FREE = _id(23), _id(24), _id(25), _id(26)
SYRUP_VANILLA, SYRUP_CARAMEL, SYRUP_HAZELNUT = _id(27), _id(28), _id(29)
HEAT_NONE, HEAT_WARM = _id(30), _id(31)
# Products
ESPRESSO, AMERICANO, CAPPUCCINO, LATTE, FLAT_WHITE, RAF = _id(40), _id(41), _id(42), _id(43), _id(44), _id(45)
BLACK_TEA, GREEN_TEA = _id(46), _id(47)
CROISSANT, CHEESECAKE, SYRNIKI = _id(48), _id(49), _id(50)
WATER, LEMONADE, COFFEE_BEANS = _id(51), _id(52), _id(53)
# Ingredients
BEANS_G, MILK_ML, OAT_ML = _id(60), _id(61), _id(62)

DEMO_PINS = {"cashier": "1111", "manager": "2222", "kitchen": "3333", "technician": "4444"}
"""Demo staff PINs (documented in the README); only their argon2 hashes travel."""

STAFF_IDS = {"cashier": _id(70), "manager": _id(71), "kitchen": _id(72), "technician": _id(73)}
STAFF_NAMES = {
    "cashier": "Анна Кассирова",
    "manager": "Борис Менеджеров",
    "kitchen": "Вера Бариста",
    "technician": "Глеб Техников",
}


def _coffee(pid: uuid.UUID, sku: str, name: str, price: int, sort: int, milk: bool = True) -> Product:
    groups = [SIZE, MILK, SYRUP] if milk else [SIZE, SYRUP]
    return Product(
        id=pid,
        category_id=COFFEE,
        sku=sku,
        barcode=f"46000000{sort:05d}",
        name=name,
        price=price,
        vat_rate="vat22",
        modifier_group_ids=groups,
        sort=sort,
    )


def demo_catalog(
    version: int = 1,
    staff_pin_hashes: dict[str, str] | None = None,
    org_id: uuid.UUID = DEMO_ORG_ID,
    location_id: uuid.UUID = DEMO_LOCATION_ID,
) -> CatalogSnapshot:
    """The demo snapshot. ``staff_pin_hashes`` maps role → argon2 hash of that role's demo PIN."""
    products = [
        _coffee(ESPRESSO, "ESP", "Эспрессо", 12000, 1, milk=False),
        _coffee(AMERICANO, "AME", "Американо", 15000, 2, milk=False),
        _coffee(CAPPUCCINO, "CAP", "Капучино", 22000, 3),
        _coffee(LATTE, "LAT", "Латте", 24000, 4),
        _coffee(FLAT_WHITE, "FW", "Флэт уайт", 26000, 5),
        _coffee(RAF, "RAF", "Раф ванильный", 28000, 6),
        Product(id=BLACK_TEA, category_id=TEA, sku="TEA-B", name="Чай чёрный", price=15000, vat_rate="vat22", sort=7),
        Product(id=GREEN_TEA, category_id=TEA, sku="TEA-G", name="Чай зелёный", price=15000, vat_rate="vat22", sort=8),
        Product(
            id=CROISSANT,
            category_id=BAKERY,
            sku="CRS",
            barcode="4600000000091",
            name="Круассан",
            price=16000,
            vat_rate="vat10",
            modifier_group_ids=[HEAT],
            sort=9,
        ),
        Product(id=CHEESECAKE, category_id=BAKERY, sku="CHC", name="Чизкейк", price=29000, vat_rate="vat10", sort=10),
        Product(id=SYRNIKI, category_id=BAKERY, sku="SYR", name="Сырники", price=32000, vat_rate="vat10", sort=11),
        Product(
            id=WATER,
            category_id=DRINKS,
            sku="WTR",
            barcode="4600000000121",
            name="Вода 0,5 л",
            price=9000,
            vat_rate="vat22",
            kitchen=False,
            sort=12,
        ),
        Product(id=LEMONADE, category_id=DRINKS, sku="LEM", name="Лимонад", price=19000, vat_rate="vat22", sort=13),
        Product(
            id=COFFEE_BEANS,
            category_id=DRINKS,
            sku="BEANS-KG",
            name="Кофе в зёрнах (вес)",
            price=180000,
            vat_rate="vat22",
            measurement_unit="kilogram",
            kitchen=False,
            sort=14,
        ),
    ]
    groups = [
        ModifierGroup(
            id=SIZE,
            name="Размер",
            kind="single",
            min_select=1,
            max_select=1,
            options=[
                ModifierOption(id=SIZE_S, name="0,25 л", price_delta=0, is_default=True, sort=1),
                ModifierOption(id=SIZE_M, name="0,35 л", price_delta=4000, sort=2),
                ModifierOption(id=SIZE_L, name="0,45 л", price_delta=7000, sort=3),
            ],
        ),
        ModifierGroup(
            id=MILK,
            name="Молоко",
            kind="single",
            min_select=0,
            max_select=1,
            options=[
                ModifierOption(id=MILK_COW, name="Коровье", price_delta=0, is_default=True, sort=1),
                ModifierOption(id=MILK_OAT, name="Овсяное", price_delta=6000, sort=2),
                ModifierOption(id=MILK_ALMOND, name="Миндальное", price_delta=7000, sort=3),
                ModifierOption(id=MILK_LACTOSE_FREE, name="Безлактозное", price_delta=4000, sort=4),
            ],
        ),
        ModifierGroup(
            id=SYRUP,
            name="Сироп",
            kind="multi",
            min_select=0,
            max_select=2,
            options=[
                ModifierOption(id=SYRUP_VANILLA, name="Ванильный", price_delta=3000, sort=1),
                ModifierOption(id=SYRUP_CARAMEL, name="Карамельный", price_delta=3000, sort=2),
                ModifierOption(id=SYRUP_HAZELNUT, name="Ореховый", price_delta=3000, sort=3),
            ],
        ),
        ModifierGroup(
            id=HEAT,
            name="Подогреть",
            kind="single",
            min_select=0,
            max_select=1,
            options=[
                ModifierOption(id=HEAT_NONE, name="Без подогрева", is_default=True, sort=1),
                ModifierOption(id=HEAT_WARM, name="Подогреть", sort=2),
            ],
        ),
    ]
    recipes = [
        Recipe(
            id=_id(80),
            product_id=CAPPUCCINO,
            ingredients=[
                RecipeIngredient(ingredient_id=BEANS_G, name="Кофе зерно", quantity=Decimal("18"), unit="gram"),
                RecipeIngredient(ingredient_id=MILK_ML, name="Молоко", quantity=Decimal("180"), unit="milliliter"),
            ],
        ),
        Recipe(
            id=_id(81),
            product_id=ESPRESSO,
            ingredients=[
                RecipeIngredient(ingredient_id=BEANS_G, name="Кофе зерно", quantity=Decimal("18"), unit="gram")
            ],
        ),
    ]
    staff = [
        StaffMember(id=STAFF_IDS[role], name=STAFF_NAMES[role], role=role, pin_hash=pin_hash)  # type: ignore[arg-type]
        for role, pin_hash in sorted((staff_pin_hashes or {}).items())
    ]
    snapshot = CatalogSnapshot(
        org_id=org_id,
        location_id=location_id,
        version=version,
        generated_at=datetime(2026, 1, 1, tzinfo=UTC),
        currency="RUB",
        vat_rates=[
            VatRateDef(code="vat22", name="НДС 22%", percent=Decimal("22")),
            VatRateDef(code="vat10", name="НДС 10%", percent=Decimal("10")),
            VatRateDef(code="none", name="Без НДС", percent=Decimal("0")),
        ],
        categories=[
            Category(id=COFFEE, name="Кофе", sort=1, color="#6f4e37"),
            Category(id=TEA, name="Чай", sort=2, color="#4e7f3a"),
            Category(id=BAKERY, name="Выпечка", sort=3, color="#c08a3e"),
            Category(id=DRINKS, name="Напитки", sort=4, color="#3a6f9f"),
        ],
        products=products,
        modifier_groups=groups,
        recipes=recipes,
        stop_list=[],
        staff=staff,
        menu_name="Основное меню",
    )
    return with_content_hash(snapshot)
