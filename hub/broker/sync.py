"""Keep the broker's files in step with the registers table: rewrite both files and reload the broker."""

from __future__ import annotations

import asyncio

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from hub.broker.files import BrokerFiles, RegisterAccount
from hub.db.models.tenancy import Register


async def register_accounts(session: AsyncSession) -> list[RegisterAccount]:
    rows = await session.scalars(sa.select(Register).where(Register.mqtt_password_hash.is_not(None)))
    return [
        RegisterAccount(
            username=r.mqtt_username,
            password_hash=r.mqtt_password_hash or "",
            org_id=r.org_id,
            location_id=r.location_id,
            register_id=r.id,
        )
        for r in rows
    ]


async def sync_broker_files(session: AsyncSession, files: BrokerFiles, reload: bool = True) -> bool:
    """Rewrite the password file and ACL from the database; True when the broker was told to reload."""
    if not files.managed:
        return False
    accounts = await register_accounts(session)
    await asyncio.to_thread(files.write, accounts)
    if not reload:
        return False
    return await asyncio.to_thread(files.reload)
