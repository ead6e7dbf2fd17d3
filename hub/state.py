"""The running hub's shared parts (settings, database, publisher, broker files, rate limiters), built
in the lifespan and reached by handlers through ``app.state.hub``.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field

from litestar.datastructures import State
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from hub.broker.files import BrokerFiles
from hub.broker.publisher import CatalogPublisher, PendingSnapshot
from hub.ratelimit import SlidingWindow
from hub.settings import Settings


@dataclass
class Limits:
    general: SlidingWindow
    login_account: SlidingWindow
    login_address: SlidingWindow
    enroll: SlidingWindow

    @classmethod
    def from_settings(cls, settings: Settings) -> Limits:
        app = settings.app
        return cls(
            general=SlidingWindow(app.rate_limit_per_minute, 60),
            login_account=SlidingWindow(app.login_account_limit, app.login_window),
            login_address=SlidingWindow(app.login_address_limit, app.login_window),
            enroll=SlidingWindow(app.enroll_limit_per_minute, 60),
        )


@dataclass
class HubState:
    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    publisher: CatalogPublisher
    broker_files: BrokerFiles
    limits: Limits
    ready: bool = field(default=False)

    def publish(self, snapshots: Iterable[PendingSnapshot]) -> None:
        for snapshot in snapshots:
            self.publisher.submit(snapshot)


def hub_state(state: State) -> HubState:
    hub = state.get("hub")
    if not isinstance(hub, HubState):
        raise RuntimeError("the hub has not started (lifespan did not run)")
    return hub


async def provide_session(state: State) -> AsyncIterator[AsyncSession]:
    """One session per request; services commit what they change."""
    async with hub_state(state).sessions() as session:
        yield session
