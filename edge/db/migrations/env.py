"""Alembic environment: migrations always run on a connection the agent hands over."""

from __future__ import annotations

from alembic import context

from edge.db.models import metadata

connection = context.config.attributes.get("connection")
if connection is None:
    raise RuntimeError("edge migrations run through edge.db.migrate, which supplies the connection")
context.configure(connection=connection, target_metadata=metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
