"""The emulated print head: applies tokens to a print state and collects what lands on paper, per job.

Text is decoded with the code page selected at the time (slot → codec), lines wrap where the paper
ends, and a job closes at a cut, at ``ESC @`` after printed content, or when the link closes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime

from drivers.sim._printer_parser import Token

# Epson's slot numbering; a profile adds or overrides its own slot.
DEFAULT_CODE_PAGES: dict[int, str] = {
    0: "cp437",
    2: "cp850",
    3: "cp860",
    4: "cp863",
    5: "cp865",
    16: "cp1252",
    17: "cp866",
    18: "cp862",
    19: "cp858",
}
_ALIGN = {0: "left", 1: "center", 2: "right", 48: "left", 49: "center", 50: "right"}
_QR_EC = {48: "L", 49: "M", 50: "Q", 51: "H"}
_BARCODES = {
    0: "UPC-A",
    1: "UPC-E",
    2: "EAN13",
    3: "EAN8",
    4: "CODE39",
    5: "ITF",
    6: "NW7",
    65: "UPC-A",
    66: "UPC-E",
    67: "EAN13",
    68: "EAN8",
    69: "CODE39",
    70: "ITF",
    71: "NW7",
    72: "CODE93",
    73: "CODE128",
}


@dataclass(frozen=True, slots=True)
class Style:
    bold: bool = False
    underline: int = 0
    font: int = 0  # 0 = A, 1 = B
    width: int = 1
    height: int = 1
    invert: bool = False


@dataclass(frozen=True, slots=True)
class Span:
    text: str
    style: Style


@dataclass(frozen=True, slots=True)
class TextLine:
    spans: tuple[Span, ...]
    align: str

    @property
    def text(self) -> str:
        return "".join(span.text for span in self.spans)


@dataclass(frozen=True, slots=True)
class QrCode:
    content: str
    module_size: int
    error_correction: str
    align: str


@dataclass(frozen=True, slots=True)
class Barcode:
    system: str
    data: str
    height: int
    align: str


@dataclass(frozen=True, slots=True)
class RasterImage:
    width_bytes: int
    height: int
    bits: bytes  # 1 = black dot, rows of width_bytes
    align: str


Element = TextLine | QrCode | Barcode | RasterImage


@dataclass(frozen=True, slots=True)
class DrawerKick:
    pin: int  # connector pin 2 or 5
    on_ms: int
    off_ms: int


@dataclass(slots=True)
class PrintedJob:
    elements: list[Element] = field(default_factory=list)
    cut: str | None = None  # "full" | "partial" | None (ended without a cut)
    drawer_kicks: list[DrawerKick] = field(default_factory=list)
    code_pages: list[int] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    raw: bytearray = field(default_factory=bytearray)
    started_at: datetime = field(default_factory=lambda: datetime.now(UTC))
    finished_at: datetime | None = None

    @property
    def has_content(self) -> bool:
        return bool(self.elements)


class PrintHead:
    """One link's print state. ``apply`` returns the jobs it finished and the drawer kicks it fired."""

    def __init__(
        self,
        *,
        dots: int = 576,
        columns_a: int = 48,
        columns_b: int = 64,
        code_pages: Mapping[int, str] | None = None,
    ) -> None:
        self.dots = dots
        self.columns = (columns_a, columns_b)
        self.code_pages = dict(DEFAULT_CODE_PAGES if code_pages is None else code_pages)
        self._reset_state()
        self._line: list[Span] = []
        self._line_align = "left"
        self.job = PrintedJob()

    def _reset_state(self) -> None:
        self.code_page = 0
        self.style = Style()
        self.align = "left"
        self.qr_module = 3
        self.qr_ec = "L"
        self.qr_data = b""
        self.barcode_height = 162

    # ------------------------------------------------------------------------------ applying tokens

    def apply(self, token: Token) -> tuple[list[PrintedJob], list[DrawerKick]]:
        finished: list[PrintedJob] = []
        kicks: list[DrawerKick] = []
        name = token.name
        if name == "ESC @":
            # ESC @ drops the unprinted line; printed content before it was a job without a cut.
            self._line = []
            if self.job.has_content:
                finished.append(self._finish(cut=None))
            self._reset_state()
            self.job.raw += token.raw
            return finished, kicks
        self.job.raw += token.raw
        handler = _HANDLERS.get(name)
        if handler is not None:
            handler(self, token, finished, kicks)
        elif name not in ("CR", "DLE EOT", "DLE ENQ"):
            self.job.skipped.append(name)
        return finished, kicks

    def close(self) -> PrintedJob | None:
        """The link closed: whatever printed so far is a job of its own."""
        self._flush_line(force=False)
        if self.job.has_content:
            return self._finish(cut=None)
        return None

    def _finish(self, *, cut: str | None) -> PrintedJob:
        job = self.job
        job.cut = cut
        job.finished_at = datetime.now(UTC)
        self.job = PrintedJob()
        return job

    # ------------------------------------------------------------------------------ text

    def _decode(self, data: bytes) -> str:
        codec = self.code_pages.get(self.code_page)
        if codec is None:
            self.job.skipped.append(f"unknown code page {self.code_page}")
            codec = "cp437"
        return data.decode(codec, errors="replace")

    def _char_dots(self, style: Style) -> int:
        return self.dots // self.columns[style.font] * style.width

    def _text(self, token: Token) -> None:
        if not self._line:
            self._line_align = self.align
        text = self._decode(token.data)
        used = sum(len(s.text) * self._char_dots(s.style) for s in self._line)
        per_char = self._char_dots(self.style)
        # The printer prints a full line by itself and continues on the next one.
        while text:
            room = max(0, (self.dots - used) // per_char)
            if room == 0:
                self._flush_line(force=True)
                self._line_align = self.align
                used = 0
                continue
            piece, text = text[:room], text[room:]
            self._line.append(Span(piece, self.style))
            used += len(piece) * per_char

    def _flush_line(self, *, force: bool) -> None:
        if self._line or force:
            spans = tuple(self._line) or (Span("", self.style),)
            self.job.elements.append(TextLine(spans, self._line_align))
        self._line = []

    def _feed(self, lines: int) -> None:
        if self._line:
            self._flush_line(force=True)
            lines -= 1
        for _ in range(max(0, lines)):
            self._flush_line(force=True)

    # ------------------------------------------------------------------------------ handlers

    def _h_text(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self._text(token)

    def _h_lf(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self._flush_line(force=True)

    def _h_feed(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self._feed(token.params[0])

    def _h_codepage(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self.code_page = token.params[0]
        self.job.code_pages.append(self.code_page)

    def _h_align(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self.align = _ALIGN.get(token.params[0], "left")
        if not self._line:
            self._line_align = self.align

    def _h_bold(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self.style = replace(self.style, bold=bool(token.params[0] & 1))

    def _h_underline(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self.style = replace(self.style, underline={0: 0, 1: 1, 2: 2, 48: 0, 49: 1, 50: 2}.get(token.params[0], 0))

    def _h_font(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self.style = replace(self.style, font=1 if token.params[0] in (1, 49) else 0)

    def _h_print_mode(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        n = token.params[0]
        self.style = replace(
            self.style,
            font=n & 0x01,
            bold=bool(n & 0x08),
            height=2 if n & 0x10 else 1,
            width=2 if n & 0x20 else 1,
            underline=1 if n & 0x80 else 0,
        )

    def _h_size(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        n = token.params[0]
        self.style = replace(self.style, width=(n >> 4 & 0x07) + 1, height=(n & 0x07) + 1)

    def _h_invert(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self.style = replace(self.style, invert=bool(token.params[0] & 1))

    def _h_cut(self, token: Token, finished: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self._flush_line(force=False)
        m = token.params[0]
        finished.append(self._finish(cut="partial" if m in (1, 49, 66, 98, 104) else "full"))

    def _h_kick(self, token: Token, _f: list[PrintedJob], kicks: list[DrawerKick]) -> None:
        m, t1, t2 = token.params
        kick = DrawerKick(pin=5 if m in (1, 49) else 2, on_ms=t1 * 2, off_ms=t2 * 2)
        self.job.drawer_kicks.append(kick)
        kicks.append(kick)

    def _h_barcode_height(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self.barcode_height = token.params[0]

    def _h_2d(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        data = token.data
        if len(data) < 2 or data[0] != 49:  # cn 49 = QR; PDF417 and others are not emitted
            self.job.skipped.append(f"GS ( k cn={data[0] if data else '?'}")
            return
        fn = data[1]
        if fn == 67 and len(data) > 2:
            self.qr_module = data[2]
        elif fn == 69 and len(data) > 2:
            self.qr_ec = _QR_EC.get(data[2], "L")
        elif fn == 80:
            self.qr_data = data[3:]  # after cn fn m
        elif fn == 81:
            self._flush_line(force=False)
            content = self.qr_data.decode("utf-8", errors="replace")
            self.job.elements.append(QrCode(content, self.qr_module, self.qr_ec, self.align))

    def _h_barcode(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self._flush_line(force=False)
        system = _BARCODES.get(token.params[0], f"type {token.params[0]}")
        data = token.data.decode("ascii", errors="replace")
        self.job.elements.append(Barcode(system, data, self.barcode_height, self.align))

    def _h_raster(self, token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
        self._flush_line(force=False)
        _m, width_bytes, height = token.params
        self.job.elements.append(RasterImage(width_bytes, height, token.data, self.align))


def _ignore(_head: PrintHead, _token: Token, _f: list[PrintedJob], _k: list[DrawerKick]) -> None:
    """Commands that change nothing the journal shows (line spacing, density, buttons…)."""


_Handler = Callable[[PrintHead, Token, list[PrintedJob], list[DrawerKick]], None]
_HANDLERS: dict[str, _Handler] = {
    "TEXT": PrintHead._h_text,
    "LF": PrintHead._h_lf,
    "ESC d": PrintHead._h_feed,
    "ESC t": PrintHead._h_codepage,
    "ESC a": PrintHead._h_align,
    "ESC E": PrintHead._h_bold,
    "ESC G": PrintHead._h_bold,
    "ESC -": PrintHead._h_underline,
    "ESC M": PrintHead._h_font,
    "ESC !": PrintHead._h_print_mode,
    "GS !": PrintHead._h_size,
    "GS B": PrintHead._h_invert,
    "GS V": PrintHead._h_cut,
    "ESC i": lambda h, t, f, k: h._h_cut(Token("GS V", t.raw, (0,)), f, k),
    "ESC m": lambda h, t, f, k: h._h_cut(Token("GS V", t.raw, (1,)), f, k),
    "ESC p": PrintHead._h_kick,
    "GS h": PrintHead._h_barcode_height,
    "GS ( k": PrintHead._h_2d,
    "GS k": PrintHead._h_barcode,
    "GS v 0": PrintHead._h_raster,
    "ESC 2": _ignore,
    "ESC 3": _ignore,
    "GS |": _ignore,
    "GS b": _ignore,
    "GS H": _ignore,
    "GS w": _ignore,
    "GS f": _ignore,
    "ESC {": _ignore,
    "FS .": _ignore,
}
