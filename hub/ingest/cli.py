"""``yago hub ingest``: run N ingest workers (one MQTT client each) until SIGINT or SIGTERM."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import socket
from typing import Protocol

from prometheus_client import start_http_server

from hub.ingest._db import create_ingest_engine
from hub.ingest.consumer import BrokerConfig, IngestWorker

log = logging.getLogger(__name__)


class _DbSettings(Protocol):
    @property
    def url(self) -> str: ...


class _MqttSettings(Protocol):
    @property
    def host(self) -> str: ...
    @property
    def port(self) -> int: ...
    @property
    def username(self) -> str | None: ...
    @property
    def password(self) -> str | None: ...
    @property
    def tls(self) -> bool: ...


class IngestSettings(Protocol):
    """The part of the hub's settings the ingest reads (``settings.db`` and ``settings.mqtt``)."""

    @property
    def db(self) -> _DbSettings: ...
    @property
    def mqtt(self) -> _MqttSettings: ...


def worker_client_ids(workers: int, prefix: str | None = None) -> list[str]:
    """Stable client ids (host name plus index) so a restarted worker resumes its broker session."""
    base = prefix or f"yago-ingest-{socket.gethostname()}"
    return [f"{base}-{i}" for i in range(workers)]


async def serve_ingest(
    db_url: str,
    broker: BrokerConfig,
    workers: int = 1,
    stop: asyncio.Event | None = None,
    client_id_prefix: str | None = None,
) -> None:
    """Run ``workers`` worker tasks on one engine until ``stop`` is set (or the task is cancelled)."""
    stop = stop or asyncio.Event()
    engine = create_ingest_engine(db_url, pool_size=max(2, workers))
    tasks = [
        asyncio.create_task(IngestWorker(engine, broker, client_id=cid).run(), name=cid)
        for cid in worker_client_ids(workers, client_id_prefix)
    ]
    try:
        stopping = asyncio.create_task(stop.wait())
        done, _ = await asyncio.wait([stopping, *tasks], return_when=asyncio.FIRST_COMPLETED)
        for task in done:
            if task is not stopping and task.exception() is not None:
                log.error("ingest worker died", exc_info=task.exception())
        stopping.cancel()
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await engine.dispose()


def run_ingest(settings: IngestSettings, workers: int, metrics_port: int | None = None) -> None:
    """Blocking entry point of ``yago hub ingest``."""
    if metrics_port is not None:
        start_http_server(metrics_port)
    mqtt = settings.mqtt
    broker = BrokerConfig(
        host=mqtt.host, port=mqtt.port, username=mqtt.username, password=mqtt.password, tls=bool(mqtt.tls)
    )

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError):
                loop.add_signal_handler(sig, stop.set)
        log.info("starting %d ingest workers", workers)
        await serve_ingest(settings.db.url, broker, workers, stop)

    asyncio.run(main())
