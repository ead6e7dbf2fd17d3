"""Command emission through python-escpos's generator, with the code page kept pinned.

python-escpos 3.1 caches the selected code page and emits no ``ESC t`` after ``ESC @`` or a font
change, although the printer has fallen back to its default page; :class:`EscPosWriter` forgets the
cache and re-selects the page after each of them.
"""

from __future__ import annotations

import codecs
import os
import tempfile
from pathlib import Path

from drivers.printer.escpos.profiles import PrinterProfile

# python-escpos pickles its capability database into a fresh temp dir per process unless told where.
os.environ.setdefault(
    "ESCPOS_CAPABILITIES_PICKLE_DIR",
    str(Path(tempfile.gettempdir()) / f"yago-escpos-{os.getuid() if hasattr(os, 'getuid') else 0}"),
)
Path(os.environ["ESCPOS_CAPABILITIES_PICKLE_DIR"]).mkdir(parents=True, exist_ok=True)

from escpos.capabilities import Profile as _EscposProfileBase  # noqa: E402
from escpos.constants import PAPER_FULL_CUT, PAPER_PART_CUT, QR_ECLEVEL_M  # noqa: E402
from escpos.printer import Dummy  # noqa: E402

# Characters a receipt commonly carries that CP866 lacks, and what a reader understands instead.
_REPLACEMENTS = str.maketrans(
    {
        "×": "x",
        "—": "-",
        "–": "-",
        "−": "-",
        "«": '"',
        "»": '"',
        "„": '"',
        "“": '"',
        "”": '"',
        "’": "'",
        "‘": "'",
        "…": "...",
        "₽": "р.",
        "\u00a0": " ",
        "\u202f": " ",
        "і": "i",
        "І": "I",
        "ї": "i",
        "є": "е",
    }
    | {chr(code): " " for code in [*range(0x20), 0x7F]}
)


def clean_text(text: str) -> str:
    """Map characters the code page lacks, and blank control characters so data never becomes commands."""
    return text.translate(_REPLACEMENTS)


class _EscposProfile(_EscposProfileBase):  # type: ignore[misc]
    """A python-escpos profile built from ours (python-escpos only accepts instances of its Profile)."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile_data = {
            "name": profile.name,
            "vendor": "Generic",
            "notes": profile.description,
            "fonts": {
                "0": {"name": "Font A", "columns": profile.columns_a},
                "1": {"name": "Font B", "columns": profile.columns_b},
            },
            "codePages": {str(profile.codepage_slot): profile.codepage_name.upper()},
            "colors": {"0": "black"},
            "media": {"dpi": profile.dpi, "width": {"mm": profile.paper_width_mm, "pixels": profile.dots}},
            "features": {
                "paperFullCut": profile.full_cut,
                "paperPartCut": profile.partial_cut,
                "qrCode": profile.qr_native,
                "bitImageRaster": True,
                "barcodeB": True,
                "pulseStandard": True,
            },
        }
        super().__init__(columns=None, features=self.profile_data["features"])


class EscPosWriter:
    """Builds one job's bytes. Text goes through python-escpos's encoder with the code page forced."""

    def __init__(self, profile: PrinterProfile) -> None:
        self.profile = profile
        self._p = Dummy(profile=_EscposProfile(profile))
        self._width = 1
        self._codec = codecs.lookup(profile.codepage_name).name

    @property
    def output(self) -> bytes:
        return bytes(self._p.output)

    @property
    def columns(self) -> int:
        """Characters per line at the current width magnification (font A)."""
        return self.profile.columns_a // self._width

    def _pin_codepage(self) -> None:
        self._p.magic.encoding = None  # forget the cache so charcode() really emits ESC t n
        self._p.charcode(self.profile.codepage_name.upper())

    def init(self) -> None:
        self._p.hw("INIT")
        self._width = 1
        self._pin_codepage()

    def style(
        self,
        *,
        align: str | None = None,
        bold: bool | None = None,
        underline: int | None = None,
        font: str | None = None,
        size: tuple[int, int] | None = None,
    ) -> None:
        """Set what is given; a font or size change re-selects the code page afterwards."""
        self._p.set(align=align, bold=bold, underline=underline, font=font)
        if size is not None:
            width, height = size
            self._p.set(custom_size=True, width=width, height=height)
            self._width = width
        if font is not None or size is not None:
            self._pin_codepage()

    def line(self, text: str = "") -> None:
        # The code page is pinned, so text is encoded with it directly: python-escpos's MagicEncode looks
        # every character up across code pages, which costs more than the rest of a job. A character the
        # page lacks prints as "?", as MagicEncode prints it when no other page is allowed.
        self._p._raw(clean_text(text).encode(self._codec, errors="replace") + b"\n")

    def feed(self, lines: int) -> None:
        if lines > 0:
            self._p.print_and_feed(lines)

    def qr(self, content: str) -> None:
        if self.profile.qr_native:
            self._p.qr(content, ec=QR_ECLEVEL_M, size=self.profile.qr_module_size, native=True)
            self._p.text("\n")
        else:
            self._p.qr(content, ec=QR_ECLEVEL_M, size=self.profile.qr_module_size, native=False, center=True)

    def kick(self, pin: int) -> None:
        """``ESC p m t1 t2``: pulse the drawer wired to connector pin 2 (m = 0) or 5 (m = 1)."""
        on = min(255, max(1, self.profile.drawer_pulse_on_ms // 2))
        off = min(255, max(1, self.profile.drawer_pulse_off_ms // 2))
        self._p.cashdraw([0x1B, 0x70, 0 if pin == 2 else 1, on, off])

    def cut(self) -> None:
        """Feed the profile's lines past the cutter, then ``GS V 1`` (partial) or ``GS V 0`` (full).

        The plain forms do not feed on their own, so the profile alone decides how much paper is spent;
        a model without a cutter only feeds, to the tear bar.
        """
        self.feed(self.profile.feed_before_cut)
        if self.profile.partial_cut:
            self._p._raw(PAPER_PART_CUT)
        elif self.profile.full_cut:
            self._p._raw(PAPER_FULL_CUT)
