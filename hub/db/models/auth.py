"""Identity tables: users (one role each, an optional password for the dashboard and an optional staff
PIN for registers), their location assignments, rotating refresh tokens and pending invitations.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base


class User(Base):
    """A person in an organization; ``email`` is the login and unique across the hub."""

    __tablename__ = "users"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str | None] = mapped_column(sa.String(320), unique=True, nullable=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    role: Mapped[str] = mapped_column(sa.String(32))
    password_hash: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    pin_hash: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]


class UserLocation(Base):
    """A user works at a location: their PIN hash travels in that location's catalog snapshot."""

    __tablename__ = "user_locations"

    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True)
    location_id: Mapped[uuid.UUID] = mapped_column(
        sa.ForeignKey("locations.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class RefreshToken(Base):
    """One refresh token (stored as SHA-256). Tokens rotated from one login share a ``family_id``;
    presenting a token that was already rotated revokes the whole family."""

    __tablename__ = "refresh_tokens"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    user_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    issued_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(nullable=True)


class Invitation(Base):
    """An invitation to join an organization with a role; accepted once with its token (stored as SHA-256)."""

    __tablename__ = "invitations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(sa.String(320))
    role: Mapped[str] = mapped_column(sa.String(32))
    location_ids: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    invited_by: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    accepted_at: Mapped[datetime | None] = mapped_column(nullable=True)
