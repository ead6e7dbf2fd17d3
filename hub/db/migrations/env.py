"""Alembic environment of the hub: runs on the connection ``hub.db.migrate`` hands over (online only)."""

from __future__ import annotations

from alembic import context
from sqlalchemy.engine import Connection

import hub.db.models  # noqa: F401  (completes the metadata)
from hub.db.base import Base

connection = context.config.attributes.get("connection")
if not isinstance(connection, Connection):
    raise RuntimeError("run hub migrations through hub.db.migrate (yago db upgrade hub)")

context.configure(connection=connection, target_metadata=Base.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
