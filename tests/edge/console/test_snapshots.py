"""Screenshots of the main screens at 80×24 and 120×40. The agent's answers are a recording taken from a
real demo agent (``recorded.py``) and the clock is frozen, so the pictures only change with the layout."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from edge.console.app import ConsoleApp
from edge.console.client import AgentClient, ConsoleTarget
from tests.edge.console.recorded import ReplayTransport, frozen_at, load

SIZES = [(80, 24), (120, 40)]
SCREENS = ["1", "2", "3", "4", "5", "6"]


def replayed() -> ConsoleApp:
    recording = load()
    client = AgentClient(ConsoleTarget(), transport=ReplayTransport(recording))
    return ConsoleApp(client, frozen_at=frozen_at(recording))


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("key", SCREENS, ids=["overview", "devices", "sync", "logs", "config", "diagnostics"])
def test_screen(snap_compare: Callable[..., bool], key: str, size: tuple[int, int]) -> None:
    assert snap_compare(replayed(), press=[key, "_"], terminal_size=size)
