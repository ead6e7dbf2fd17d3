"""Garbage-collector settings for the long-running services (agent, hub API, ingest workers).

Almost everything these processes allocate is freed by reference counting; the cyclic collector is only a
safety net. With CPython's defaults it runs every 700 net allocations of containers and, every hundred of
those, walks the whole heap (modules, SQLAlchemy metadata and compiled statements, the catalog), which
under load costs the ingest worker about a third of its CPU and the agent a few percent plus pauses of
tens of milliseconds. So what exists once start-up is done is frozen out of the collector's sight, and the
young generation is collected every 50,000 allocations: garbage cycles still go, in smaller numbers of
larger sweeps.
"""

from __future__ import annotations

import gc

YOUNG_THRESHOLD = 50_000
MIDDLE_EVERY = 20
OLD_EVERY = 10


def tune_for_service() -> None:
    """Call once the process has imported and built what it keeps for its lifetime."""
    gc.collect()
    gc.freeze()
    gc.set_threshold(YOUNG_THRESHOLD, MIDDLE_EVERY, OLD_EVERY)
