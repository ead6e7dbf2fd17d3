"""Prometheus metrics of the ingest workers (process-wide, shared by every worker task)."""

from __future__ import annotations

from prometheus_client import Counter, Histogram

EVENTS_INGESTED = Counter("yago_ingest_events_total", "Register events committed to the hub database")
DUPLICATE_EVENTS = Counter("yago_ingest_duplicate_events_total", "Events received again after their commit")
HELD_EVENTS = Counter("yago_ingest_held_events_total", "Events held because they arrived ahead of a gap")
GAPS = Counter("yago_ingest_gaps_total", "Acknowledgements that reported a gap in a register's sequence")
ORPHAN_EVENTS = Counter(
    "yago_ingest_orphan_events_total", "Committed events that referred to an order or shift the hub does not know"
)
DEAD_LETTERS = Counter("yago_ingest_dead_letters_total", "Messages refused and kept as dead letters", ["kind"])
STATUS_UPDATES = Counter("yago_ingest_status_updates_total", "Register status messages recorded")
TRANSIENT_ERRORS = Counter(
    "yago_ingest_transient_errors_total", "Batches left unacknowledged because the database was unavailable"
)
BATCH_SECONDS = Histogram(
    "yago_ingest_batch_seconds",
    "Time from receiving an event batch to its acknowledgement",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
