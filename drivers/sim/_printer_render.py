"""Turns an emulated job into what a person checks: aligned text, a PNG of the paper, and metadata.

The PNG uses a monospace TrueType font with Cyrillic when the system has one (DejaVu), draws QR codes
module by module and raster images dot by dot; barcodes are a labelled box.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any

from drivers.sim._printer_model import Barcode, PrintedJob, QrCode, RasterImage, Span, TextLine

_FONT_CANDIDATES = (
    "/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/TTF/DejaVuSansMono.ttf",
    "/usr/share/fonts/dejavu/DejaVuSansMono.ttf",
    "/usr/share/fonts/truetype/liberation/LiberationMono-Regular.ttf",
    "/System/Library/Fonts/Menlo.ttc",
)

_TRANSLIT = {
    "а": "a", "б": "b", "в": "v", "г": "g", "д": "d", "е": "e", "ё": "e", "ж": "zh", "з": "z", "и": "i", "й": "i",
    "к": "k", "л": "l", "м": "m", "н": "n", "о": "o", "п": "p", "р": "r", "с": "s", "т": "t", "у": "u", "ф": "f",
    "х": "h", "ц": "ts", "ч": "ch", "ш": "sh", "щ": "sch", "ъ": "", "ы": "y", "ь": "", "э": "e", "ю": "yu", "я": "ya",
}  # fmt: skip


def job_hint(job: PrintedJob) -> str:
    """A short file-name-safe name from the first printed line (``kassovyi-chek``), or ``job``."""
    for element in job.elements:
        if isinstance(element, TextLine) and element.text.strip():
            latin = "".join(_TRANSLIT.get(ch, ch) for ch in element.text.strip().lower())
            slug = re.sub(r"[^a-z0-9]+", "-", latin).strip("-")[:32].strip("-")
            if slug:
                return slug
    return "job"


def text_lines(job: PrintedJob, columns_a: int, columns_b: int) -> list[str]:
    lines: list[str] = []
    for element in job.elements:
        if isinstance(element, TextLine):
            lines.append(_aligned(element, columns_a, columns_b))
        elif isinstance(element, QrCode):
            lines.append(f"[QR] {element.content}")
        elif isinstance(element, Barcode):
            lines.append(f"[BARCODE {element.system}] {element.data}")
        else:
            lines.append(f"[IMAGE {element.width_bytes * 8}x{element.height}]")
    while lines and not lines[-1].strip():
        lines.pop()
    return lines


def _aligned(line: TextLine, columns_a: int, columns_b: int) -> str:
    text = line.text.rstrip()
    first = line.spans[0].style
    room = (columns_b if first.font else columns_a) // max(1, first.width)
    if line.align == "center":
        return (" " * max(0, (room - len(text)) // 2) + text).rstrip()
    if line.align == "right":
        return text.rjust(room)
    return text


def metadata(job: PrintedJob) -> dict[str, object]:
    lines: list[dict[str, object]] = []
    for element in job.elements:
        if isinstance(element, TextLine):
            style = element.spans[0].style
            lines.append(
                {
                    "text": element.text,
                    "align": element.align,
                    "bold": any(s.style.bold for s in element.spans),
                    "font": "B" if style.font else "A",
                    "width": max(s.style.width for s in element.spans),
                    "height": max(s.style.height for s in element.spans),
                }
            )
    return {
        "cut": job.cut,
        "complete": job.cut is not None,
        "bytes": len(job.raw),
        "started_at": job.started_at.isoformat(),
        "finished_at": job.finished_at.isoformat() if job.finished_at else None,
        "code_pages": sorted(set(job.code_pages)),
        "drawer_kicks": [{"pin": k.pin, "on_ms": k.on_ms, "off_ms": k.off_ms} for k in job.drawer_kicks],
        "qr": [e.content for e in job.elements if isinstance(e, QrCode)],
        "barcodes": [{"system": e.system, "data": e.data} for e in job.elements if isinstance(e, Barcode)],
        "images": [
            {"width": e.width_bytes * 8, "height": e.height} for e in job.elements if isinstance(e, RasterImage)
        ],
        "lines": lines,
        "skipped": sorted(set(job.skipped)),
    }


# ------------------------------------------------------------------------------------------ PNG


@lru_cache(maxsize=8)
def _font(size: int) -> Any:
    from PIL import ImageFont

    for candidate in _FONT_CANDIDATES:
        if Path(candidate).is_file():
            return ImageFont.truetype(candidate, size)
    return ImageFont.load_default(size)


def render_png(job: PrintedJob, path: Path, *, dots: int, columns_a: int, columns_b: int) -> None:
    from PIL import Image, ImageDraw

    cell = (dots // columns_a, dots // columns_b)
    margin = 8
    blocks: list[tuple[int, Callable[[Any, Any, int], None]]] = []
    for element in job.elements:
        if isinstance(element, TextLine):
            height = max(s.style.height for s in element.spans) * cell[0] * 2
            blocks.append((height, _draw_text(element, cell, dots)))
        elif isinstance(element, QrCode):
            blocks.append(_qr_block(element, dots))
        elif isinstance(element, RasterImage):
            blocks.append(_raster_block(element, dots))
        else:
            blocks.append(_barcode_block(element, dots, cell))
    total = sum(height for height, _ in blocks) + 2 * margin
    image = Image.new("L", (dots + 2 * margin, max(total, 2 * margin + 1)), 255)
    draw = ImageDraw.Draw(image)
    y = margin
    for height, paint in blocks:
        paint(image, draw, y)
        y += height
    image.save(path, optimize=False)


def _x(align: str, width: int, dots: int) -> int:
    if align == "center":
        return max(0, (dots - width) // 2)
    if align == "right":
        return max(0, dots - width)
    return 0


def _draw_text(line: TextLine, cell: tuple[int, int], dots: int) -> Callable[[Any, Any, int], None]:
    def span_width(span: Span) -> int:
        return len(span.text) * cell[span.style.font] * span.style.width

    def paint(image: Any, _draw: Any, y: int) -> None:
        from PIL import Image, ImageDraw

        x = 8 + _x(line.align, sum(span_width(s) for s in line.spans), dots)
        line_height = max(s.style.height for s in line.spans) * cell[0] * 2
        for span in line.spans:
            if not span.text:
                continue
            char_w = cell[span.style.font]
            base_h = char_w * 2
            piece = Image.new("L", (len(span.text) * char_w, base_h), 0 if span.style.invert else 255)
            pen = ImageDraw.Draw(piece)
            font = _font(max(6, round(char_w / 0.602)))
            ink = 255 if span.style.invert else 0
            for i, ch in enumerate(span.text):
                pen.text((i * char_w, base_h // 10), ch, font=font, fill=ink)
                if span.style.bold:
                    pen.text((i * char_w + 1, base_h // 10), ch, font=font, fill=ink)
            if span.style.underline:
                pen.line((0, base_h - 2, piece.width, base_h - 2), fill=ink, width=span.style.underline)
            scaled = piece.resize(
                (piece.width * span.style.width, base_h * span.style.height), Image.Resampling.NEAREST
            )
            image.paste(scaled, (x, y + line_height - scaled.height))
            x += scaled.width

    return paint


def _qr_block(qr: QrCode, dots: int) -> tuple[int, Callable[[Any, Any, int], None]]:
    import qrcode
    from qrcode import constants

    levels = {"L": constants.ERROR_CORRECT_L, "M": constants.ERROR_CORRECT_M}
    levels.update({"Q": constants.ERROR_CORRECT_Q, "H": constants.ERROR_CORRECT_H})
    code = qrcode.QRCode(error_correction=levels.get(qr.error_correction, constants.ERROR_CORRECT_L), border=0)
    code.add_data(qr.content)
    code.make(fit=True)
    matrix: list[list[bool]] = code.get_matrix()
    module = max(1, qr.module_size)
    size = len(matrix) * module

    def paint(_image: Any, draw: Any, y: int) -> None:
        x0 = 8 + _x(qr.align, size, dots)
        for row, cells in enumerate(matrix):
            for col, dark in enumerate(cells):
                if dark:
                    left, top = x0 + col * module, y + 4 + row * module
                    draw.rectangle((left, top, left + module - 1, top + module - 1), fill=0)

    return size + 8, paint


def _raster_block(raster: RasterImage, dots: int) -> tuple[int, Callable[[Any, Any, int], None]]:
    from PIL import Image

    width = raster.width_bytes * 8
    inverted = bytes(b ^ 0xFF for b in raster.bits)  # PIL "1": set bit = white; ESC/POS: set bit = black
    picture = Image.frombytes("1", (width, raster.height), inverted) if raster.height else None

    def paint(image: Any, _draw: Any, y: int) -> None:
        if picture is not None:
            image.paste(picture.convert("L"), (8 + _x(raster.align, width, dots), y))

    return raster.height, paint


def _barcode_block(barcode: Barcode, dots: int, cell: tuple[int, int]) -> tuple[int, Callable[[Any, Any, int], None]]:
    width = min(dots, max(120, len(barcode.data) * 11 * 2))
    height = min(barcode.height, 120) + cell[0] * 2

    def paint(_image: Any, draw: Any, y: int) -> None:
        x0 = 8 + _x(barcode.align, width, dots)
        draw.rectangle((x0, y + 2, x0 + width - 1, y + height - cell[0] * 2), outline=0, width=2)
        draw.text((x0 + 4, y + height - cell[0] * 2 + 2), f"{barcode.system} {barcode.data}", font=_font(14), fill=0)

    return height, paint
