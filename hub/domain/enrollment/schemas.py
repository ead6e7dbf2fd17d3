"""Bodies of the enrollment endpoints; ``EnrollOut`` is the contract the register side decodes."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from hub.domain.auth.schemas import Name
from hub.domain.tenants.schemas import RegisterOut


class RegisterIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: Name


class EnrollmentCode(msgspec.Struct, kw_only=True):
    register_id: uuid.UUID
    code: str
    expires_at: datetime


class RegisterCreated(msgspec.Struct, kw_only=True):
    register: RegisterOut
    enrollment: EnrollmentCode


class EnrollIn(msgspec.Struct, kw_only=True):
    code: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]


class MqttCredentials(msgspec.Struct, kw_only=True):
    host: str
    port: int
    username: str
    password: str
    tls: bool


class StaffOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    name: str
    role: str
    pin_hash: str


class EnrollOut(msgspec.Struct, kw_only=True):
    org_id: uuid.UUID
    location_id: uuid.UUID
    register_id: uuid.UUID
    mqtt: MqttCredentials
    staff: list[StaffOut]
