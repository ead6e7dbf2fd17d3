"""Register agent fixtures: one demo agent per module (orders never collide: each test makes its own),
and a fresh one for tests that change global state (lockout, shift close, catalog)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.edge.support import EdgeServer, running


@pytest.fixture(scope="module")
def edge(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EdgeServer]:
    with running(tmp_path_factory.mktemp("edge")) as server:
        yield server


@pytest.fixture
def fresh_edge(tmp_path: Path) -> Iterator[EdgeServer]:
    with running(tmp_path / "edge") as server:
        yield server


@pytest.fixture
def cashier(edge: EdgeServer) -> Iterator[httpx.Client]:
    client = edge.client()
    yield client
    client.close()
