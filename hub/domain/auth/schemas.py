"""Request and response bodies of the auth endpoints."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

import msgspec

from hub.domain.auth.security import Role

Email = Annotated[str, msgspec.Meta(min_length=3, max_length=320, pattern=r"^[^@\s]+@[^@\s]+$")]
Password = Annotated[str, msgspec.Meta(min_length=8, max_length=200)]
Pin = Annotated[str, msgspec.Meta(pattern=r"^[0-9]{4,12}$")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200)]


class UserOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    org_id: uuid.UUID
    email: str | None
    name: str
    role: str
    active: bool
    has_pin: bool
    location_ids: list[uuid.UUID] = msgspec.field(default_factory=list)
    created_at: datetime


class SignUp(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    organization: Name
    name: Name
    email: Email
    password: Password


class Login(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    password: Annotated[str, msgspec.Meta(max_length=200)]


class RefreshIn(msgspec.Struct, kw_only=True):
    refresh_token: str | None = None


class TokenOut(msgspec.Struct, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int
    user: UserOut


class InviteIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    email: Email
    role: Role
    location_ids: list[uuid.UUID] = msgspec.field(default_factory=list)


class InviteOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    email: str
    role: str
    token: str
    expires_at: datetime


class InviteAccept(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    token: str
    name: Name
    password: Password
    pin: Pin | None = None
