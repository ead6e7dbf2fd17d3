"""Tenancy tables: organizations (one per chain), their locations (shops with address, time zone,
currency and fiscal settings) and the registers (tills) enrolled at each location.
"""

from __future__ import annotations

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from hub.db.base import Base


class Organization(Base):
    """A chain: the tenant every other row belongs to."""

    __tablename__ = "organizations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    created_at: Mapped[datetime]


class Location(Base):
    """A shop. ``catalog_version``/``catalog_hash`` describe the newest published catalog snapshot."""

    __tablename__ = "locations"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    address: Mapped[str] = mapped_column(sa.Text, default="")
    timezone: Mapped[str] = mapped_column(sa.String(64), default="Europe/Moscow")
    currency: Mapped[str] = mapped_column(sa.String(3), default="RUB")
    taxation_type: Mapped[str] = mapped_column(sa.String(32), default="osn")
    fiscal: Mapped[bool] = mapped_column(default=True)
    catalog_version: Mapped[int] = mapped_column(sa.Integer, default=0)
    catalog_hash: Mapped[str] = mapped_column(sa.String(64), default="")
    created_at: Mapped[datetime]


class Register(Base):
    """A till. Its MQTT password exists only as a Mosquitto hash; the enrollment code only as SHA-256."""

    __tablename__ = "registers"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    org_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("organizations.id", ondelete="CASCADE"), index=True)
    location_id: Mapped[uuid.UUID] = mapped_column(sa.ForeignKey("locations.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    mqtt_username: Mapped[str] = mapped_column(sa.String(100), unique=True)
    mqtt_password_hash: Mapped[str | None] = mapped_column(sa.String(300), nullable=True)
    enrolled_at: Mapped[datetime | None] = mapped_column(nullable=True)
    enrollment_code_hash: Mapped[str | None] = mapped_column(sa.String(64), nullable=True, unique=True)
    enrollment_expires_at: Mapped[datetime | None] = mapped_column(nullable=True)
    enrollment_used_at: Mapped[datetime | None] = mapped_column(nullable=True)
    catalog_version_reported: Mapped[int | None] = mapped_column(sa.Integer, nullable=True)
    created_at: Mapped[datetime]
