"""Printer profiles as data: the shipped ones load, and mistakes in a profile file are refused."""

from __future__ import annotations

from pathlib import Path

import pytest

from drivers.printer.escpos.profiles import PrinterProfile, available_profiles, load_profile
from tests.drivers.printer.conftest import PROFILES


def test_shipped_profiles(profile_80: PrinterProfile, profile_58: PrinterProfile) -> None:
    assert {"generic-80mm", "generic-58mm"} <= set(available_profiles([PROFILES]))
    assert (profile_80.columns_a, profile_80.columns_b, profile_80.codepage_slot) == (48, 64, 17)
    assert (profile_58.columns_a, profile_58.columns_b, profile_58.has_cutter) == (32, 42, False)
    assert profile_80.drawer_pins == (2, 5) and profile_80.has_cutter


def test_defaults_are_the_generic_80mm_printer(profile_80: PrinterProfile) -> None:
    """Code that cannot find the profile files falls back to PrinterProfile(name=...)."""
    assert PrinterProfile(name="generic-80mm", description=profile_80.description) == profile_80


def test_load_by_path(tmp_path: Path) -> None:
    path = tmp_path / "tm-t20.toml"
    path.write_text('name = "tm-t20"\n[codepage]\nslot = 46\nname = "CP1251"\n', encoding="utf-8")
    profile = load_profile(path)
    assert (profile.name, profile.codepage_name, profile.codepage_slot) == ("tm-t20", "CP1251", 46)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('name = "x"\n[fonts]\na_colums = 48\n', "unknown key fonts.a_colums"),
        ('name = "x"\n[paper]\ndots = true\n', "paper.dots must be int"),
        ('name = "x"\n[cutter]\nblade = true\n', "unknown key cutter.blade"),
        ('name = "x"\n[laser]\non = true\n', "unknown table"),
        ('name = "x"\n[codepage]\nname = "CP9999"\n', "not a known encoding"),
        ('name = "x"\n[drawer]\npins = [3]\n', "drawer.pins"),
        ("[paper]\ndots = 576\n", "needs a name"),
    ],
)
def test_mistakes_are_refused(body: str, message: str, tmp_path: Path) -> None:
    path = tmp_path / "bad.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        load_profile(path)


def test_unknown_name_says_where_it_looked(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="no-such-printer"):
        load_profile("no-such-printer", [tmp_path])
