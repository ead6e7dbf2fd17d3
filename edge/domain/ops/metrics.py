"""Prometheus metrics of one agent: a registry per app so several apps (tests) never collide."""

from __future__ import annotations

from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, Metric
from prometheus_client.registry import Collector


class _CommitCounter(Collector):
    def __init__(self, commits: Callable[[], int], syncs: Callable[[], int]) -> None:
        self._commits = commits
        self._syncs = syncs

    def collect(self) -> Iterator[Metric]:
        yield CounterMetricFamily(
            "yago_edge_db_commits", "Durable write transactions committed to the register database", self._commits()
        )
        yield CounterMetricFamily(
            "yago_edge_db_syncs",
            "COMMITs (fsyncs) of the register database; one carries several at peak",
            self._syncs(),
        )


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.orders = Counter("yago_edge_orders", "Orders by final transition", ["status"], registry=self.registry)
        self.saga_step = Histogram(
            "yago_edge_saga_step_seconds",
            "Checkout saga step durations",
            ["step"],
            registry=self.registry,
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
        )
        self.device_errors = Counter(
            "yago_edge_device_errors", "Device errors by device and kind", ["device", "kind"], registry=self.registry
        )
        self.outbox_backlog = Gauge(
            "yago_edge_outbox_backlog", "Events not yet acknowledged by the hub", registry=self.registry
        )
        self.outbox_age = Gauge(
            "yago_edge_outbox_oldest_age_seconds", "Age of the oldest unacknowledged event", registry=self.registry
        )

    def count_commits(self, commits: Callable[[], int], syncs: Callable[[], int]) -> None:
        """Export the database's write transactions and COMMITs as ``yago_edge_db_commits_total`` and
        ``yago_edge_db_syncs_total``."""
        self.registry.register(_CommitCounter(commits, syncs))
