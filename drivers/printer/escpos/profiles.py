"""Per-model printer profiles: columns per font, the CP866 slot, cutter, drawer wiring, QR support.

Profiles are TOML files (``firmware-config/profiles/printer/<name>.toml``); unknown keys are an error
because a typo in a profile would otherwise silently print garbage on a real device.
"""

from __future__ import annotations

import codecs
import os
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROFILE_DIRS_ENV = "YAGO_PRINTER_PROFILES"


@dataclass(frozen=True, slots=True, kw_only=True)
class PrinterProfile:
    name: str
    description: str = ""
    paper_width_mm: int = 80
    dots: int = 576  # printable width in dots
    dpi: int = 203
    columns_a: int = 48
    columns_b: int = 64
    codepage_name: str = "CP866"  # python-escpos/escpos-printer-db name, upper case
    codepage_slot: int = 17  # n of ESC t n on this model
    full_cut: bool = True
    partial_cut: bool = True
    feed_before_cut: int = 4  # lines fed so the last line clears the cutter (or the tear bar)
    drawer_pins: tuple[int, ...] = (2, 5)  # connector pins wired to a drawer: 2 (ESC p 0) and/or 5 (ESC p 1)
    drawer_pulse_on_ms: int = 100
    drawer_pulse_off_ms: int = 200
    drawer_open_signal_high: bool = True  # DLE EOT 1 bit 2 set means "open" (depends on the drawer's switch)
    qr_native: bool = True  # GS ( k; otherwise the QR goes out as a raster image
    qr_module_size: int = 6
    kitchen_number_scale: int = 3  # character magnification of the order number on kitchen tickets

    def __post_init__(self) -> None:
        problems: list[str] = []
        if self.columns_a < 16 or self.columns_b < self.columns_a:
            problems.append("columns: need a_columns >= 16 and b_columns >= a_columns")
        if not 0 <= self.codepage_slot <= 255:
            problems.append("codepage.slot must be 0..255")
        try:
            codecs.lookup(self.codepage_name)
        except LookupError:
            problems.append(f"codepage.name {self.codepage_name!r} is not a known encoding")
        if not self.drawer_pins or any(pin not in (2, 5) for pin in self.drawer_pins):
            problems.append("drawer.pins must list 2 and/or 5")
        if not (0 < self.drawer_pulse_on_ms <= 510 and 0 < self.drawer_pulse_off_ms <= 510):
            problems.append("drawer pulse times must be 1..510 ms")
        if not 1 <= self.qr_module_size <= 16:
            problems.append("qr.module_size must be 1..16")
        if not 1 <= self.kitchen_number_scale <= 8:
            problems.append("kitchen.order_number_scale must be 1..8")
        if not 0 <= self.feed_before_cut <= 255:
            problems.append("cutter.feed_lines must be 0..255")
        if problems:
            raise ValueError(f"printer profile {self.name!r}: " + "; ".join(problems))

    @property
    def has_cutter(self) -> bool:
        return self.full_cut or self.partial_cut

    def columns(self, font: str = "a") -> int:
        return self.columns_b if font.lower() == "b" else self.columns_a


# TOML table → {key: (dataclass field, type)}
_SCHEMA: dict[str, dict[str, tuple[str, type]]] = {
    "": {"name": ("name", str), "description": ("description", str)},
    "paper": {"width_mm": ("paper_width_mm", int), "dots": ("dots", int), "dpi": ("dpi", int)},
    "fonts": {"a_columns": ("columns_a", int), "b_columns": ("columns_b", int)},
    "codepage": {"name": ("codepage_name", str), "slot": ("codepage_slot", int)},
    "cutter": {"full": ("full_cut", bool), "partial": ("partial_cut", bool), "feed_lines": ("feed_before_cut", int)},
    "drawer": {
        "pins": ("drawer_pins", list),
        "pulse_on_ms": ("drawer_pulse_on_ms", int),
        "pulse_off_ms": ("drawer_pulse_off_ms", int),
        "open_signal_high": ("drawer_open_signal_high", bool),
    },
    "qr": {"native": ("qr_native", bool), "module_size": ("qr_module_size", int)},
    "kitchen": {"order_number_scale": ("kitchen_number_scale", int)},
}


def profile_from_mapping(data: Mapping[str, object], *, source: str = "<profile>") -> PrinterProfile:
    """Build a profile from parsed TOML, rejecting unknown tables and keys."""
    values: dict[str, object] = {}
    for key, value in data.items():
        if isinstance(value, Mapping):
            table = _SCHEMA.get(key)
            if table is None or key == "":
                raise ValueError(f"{source}: unknown table [{key}]")
            for sub_key, sub_value in value.items():
                values[_field(table, key, sub_key, sub_value, source)] = sub_value
        else:
            values[_field(_SCHEMA[""], "", key, value, source)] = value
    if "name" not in values:
        raise ValueError(f"{source}: a profile needs a name")
    if "drawer_pins" in values:
        pins = values["drawer_pins"]
        assert isinstance(pins, list)
        values["drawer_pins"] = tuple(int(pin) for pin in pins)
    return PrinterProfile(**values)  # type: ignore[arg-type]


def _field(table: Mapping[str, tuple[str, type]], table_name: str, key: str, value: object, source: str) -> str:
    where = f"{table_name}.{key}" if table_name else key
    if key not in table:
        raise ValueError(f"{source}: unknown key {where}")
    field_name, expected = table[key]
    # bool is an int in Python; a profile saying `dots = true` is still a mistake
    if not isinstance(value, expected) or (expected is int and isinstance(value, bool)):
        raise ValueError(f"{source}: {where} must be {expected.__name__}, got {value!r}")
    return field_name


def load_profile_file(path: Path) -> PrinterProfile:
    with path.open("rb") as fh:
        data = tomllib.load(fh)
    return profile_from_mapping(data, source=str(path))


def default_profile_dirs() -> list[Path]:
    """``$YAGO_PRINTER_PROFILES`` (path list), ``/etc/yago/profiles/printer``, then the source tree's."""
    dirs = [Path(p) for p in os.environ.get(PROFILE_DIRS_ENV, "").split(os.pathsep) if p]
    dirs.append(Path("/etc/yago/profiles/printer"))
    dirs.append(Path(__file__).resolve().parents[3] / "firmware-config" / "profiles" / "printer")
    return dirs


def load_profile(name_or_path: str | Path, search_dirs: Sequence[Path] | None = None) -> PrinterProfile:
    """Load a profile by file path, or by name from the first directory that has ``<name>.toml``."""
    candidate = Path(name_or_path)
    if candidate.suffix == ".toml" and candidate.is_file():
        return load_profile_file(candidate)
    dirs = list(search_dirs) if search_dirs is not None else default_profile_dirs()
    for directory in dirs:
        path = directory / f"{name_or_path}.toml"
        if path.is_file():
            return load_profile_file(path)
    raise FileNotFoundError(f"no printer profile {str(name_or_path)!r} in {', '.join(map(str, dirs))}")


def available_profiles(search_dirs: Iterable[Path] | None = None) -> list[str]:
    dirs = list(search_dirs) if search_dirs is not None else default_profile_dirs()
    return sorted({p.stem for d in dirs if d.is_dir() for p in d.glob("*.toml")})
