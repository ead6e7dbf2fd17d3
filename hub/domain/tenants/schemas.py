"""Bodies of the organization, location, register and user endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from hub.domain.auth.schemas import Email, Name, Password, Pin, UserOut
from hub.domain.auth.security import Role
from hub.listing import PageMeta

Currency = Annotated[str, msgspec.Meta(pattern=r"^[A-Z]{3}$")]
TimeZone = Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
Taxation = Annotated[str, msgspec.Meta(min_length=1, max_length=32)]


class OrganizationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    created_at: datetime


class OrganizationPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name


class LocationIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    address: str = ""
    timezone: TimeZone = "Europe/Moscow"
    currency: Currency = "RUB"
    taxation_type: Taxation = "osn"
    fiscal: bool = True


class LocationPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    address: str | None = None
    timezone: TimeZone | None = None
    currency: Currency | None = None
    taxation_type: Taxation | None = None
    fiscal: bool | None = None


class LocationOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    org_id: uuid.UUID
    name: str
    address: str
    timezone: str
    currency: str
    taxation_type: str
    fiscal: bool
    catalog_version: int
    created_at: datetime


class LocationPage(msgspec.Struct, kw_only=True):
    data: list[LocationOut]
    meta: PageMeta


class RegisterOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    org_id: uuid.UUID
    location_id: uuid.UUID
    name: str
    mqtt_username: str
    enrolled_at: datetime | None
    catalog_version_reported: int | None
    created_at: datetime


class RegisterPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name


class RegisterPage(msgspec.Struct, kw_only=True):
    data: list[RegisterOut]
    meta: PageMeta


class UserIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name
    role: Role
    email: Email | None = None
    password: Password | None = None
    pin: Pin | None = None
    location_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class UserPatch(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name | None = None
    role: Role | None = None
    email: Email | None = None
    password: Password | None = None
    pin: Pin | None = None
    clear_pin: bool = False
    active: bool | None = None
    location_ids: list[uuid.UUID] | None = None


class UserPage(msgspec.Struct, kw_only=True):
    data: list[UserOut]
    meta: PageMeta
