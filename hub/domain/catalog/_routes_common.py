"""What every catalog route shares: the roles that may change the catalog and the republish after a change."""

from __future__ import annotations

import uuid

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncSession

from hub.domain.auth.deps import requires
from hub.domain.auth.security import MANAGERS, Principal
from hub.domain.catalog.snapshots import commit_and_publish
from hub.state import hub_state

write = [requires(*MANAGERS)]


async def changed(state: State, session: AsyncSession, p: Principal, location: uuid.UUID | None = None) -> None:
    """Commit, rebuild the organization's (or one location's) snapshots and hand them to the publisher."""
    await commit_and_publish(session, hub_state(state), p.org_id, None if location is None else [location])
