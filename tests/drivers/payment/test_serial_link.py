"""The serial link layer over a pty: frames that arrive damaged are refused with 15 and sent again, at
most three attempts in all; a command the terminal refused three times was never carried out."""

from __future__ import annotations

import pytest

from drivers.base import CardOutcome
from drivers.errors import DeviceUnavailable
from drivers.payment import ZvtTerminal
from tests.drivers.payment.conftest import Rig

pytestmark = pytest.mark.integration


@pytest.fixture(params=["pty"])
def transport_only_pty(request: pytest.FixtureRequest) -> str:
    return str(request.param)


async def _registered(rig: Rig) -> ZvtTerminal:
    terminal = rig.terminal()
    assert (await terminal.status()).ready  # opens the port and registers before the knob bites
    return terminal


@pytest.mark.parametrize("rig", ["pty"], indirect=True)
async def test_corrupted_frames_from_the_terminal_are_resent(rig: Rig) -> None:
    terminal = await _registered(rig)
    rig.emu.configure(corrupt_frames=2)
    seen: list[str] = []
    result = await terminal.sale(700, "order-1", seen.append)
    assert result.outcome is CardOutcome.APPROVED
    assert seen == ["Вставьте карту", "Введите PIN", "Подождите…"]  # the damaged ones came again, once each
    assert rig.emu.knobs.current.corrupt_frames == 0


@pytest.mark.parametrize("rig", ["pty"], indirect=True)
async def test_driver_resends_a_refused_frame(rig: Rig) -> None:
    terminal = await _registered(rig)
    rig.emu.configure(nak_frames=2)
    result = await terminal.sale(700, "order-1")
    assert result.outcome is CardOutcome.APPROVED
    assert len(rig.emu.charges(700)) == 1


@pytest.mark.parametrize("rig", ["pty"], indirect=True)
async def test_three_refusals_mean_the_command_never_ran(rig: Rig) -> None:
    terminal = await _registered(rig)
    rig.emu.configure(nak_frames=3)
    with pytest.raises(DeviceUnavailable):
        await terminal.sale(700, "order-1")
    assert rig.emu.charges() == [] and rig.emu.journal().trace == 0
    assert (await terminal.sale(700, "order-1")).outcome is CardOutcome.APPROVED
