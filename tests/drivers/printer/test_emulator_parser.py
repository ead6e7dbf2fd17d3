"""The emulator's tokenizer and print head on their own: chunking, every command family, code pages."""

from __future__ import annotations

from PIL import Image

from drivers.printer.escpos.layout import render_receipt
from drivers.printer.escpos.profiles import PrinterProfile
from drivers.sim._printer_model import Barcode, PrintedJob, PrintHead, QrCode, RasterImage, TextLine
from drivers.sim._printer_parser import Tokenizer
from drivers.sim._printer_state import EmulatorState, status_reply
from tests.drivers.printer import samples


def run(data: bytes, head: PrintHead | None = None) -> list[PrintedJob]:
    head = head or PrintHead()
    jobs: list[PrintedJob] = []
    for token in Tokenizer().feed(data):
        jobs += head.apply(token)[0]
    return jobs


def texts(job: PrintedJob) -> list[str]:
    return [e.text for e in job.elements if isinstance(e, TextLine)]


def test_byte_by_byte_feeding_prints_the_same_job(profile_80: PrinterProfile) -> None:
    data = render_receipt(samples.receipt(open_drawer=True), profile_80)
    whole = Tokenizer().feed(data)
    tokenizer, head = Tokenizer(), PrintHead()
    trickled = [token for i in range(len(data)) for token in tokenizer.feed(data[i : i + 1])]
    jobs = [job for token in trickled for job in head.apply(token)[0]]
    assert [t.raw for t in trickled if t.name != "TEXT"] == [t.raw for t in whole if t.name != "TEXT"]
    assert tokenizer.pending == 0
    assert texts(jobs[0]) == texts(run(data)[0])


def test_incomplete_command_waits_for_the_rest() -> None:
    tokenizer = Tokenizer()
    assert tokenizer.feed(b"\x1d(k\x05\x00") == []
    tokens = tokenizer.feed(b"1P0ab")
    assert [t.name for t in tokens] == ["GS ( k"]
    assert tokens[0].data == b"1P0ab"


def test_text_is_decoded_with_the_selected_code_page() -> None:
    word = "Капучино"
    (job,) = run(b"\x1b@\x1bt\x11" + word.encode("cp866") + b"\n\x1dV\x00")
    assert texts(job) == [word]
    assert job.code_pages == [17]
    assert job.cut == "full"


def test_init_falls_back_to_the_default_page_as_a_real_printer_does() -> None:
    """Why the driver re-selects the page: after ESC @ the same bytes read as CP437."""
    word = "Капучино".encode("cp866")
    (job,) = run(b"\x1bt\x11\x1b@" + word + b"\n\x1dV\x01")
    assert texts(job) == [word.decode("cp437")]
    assert job.cut == "partial"


def test_print_modes_sizes_alignment_and_fonts_reach_the_line() -> None:
    data = b"\x1b@\x1ba\x01\x1bE\x01\x1d!\x11BIG\n\x1ba\x02\x1b!\x01small\n\x1bM\x00\x1b-\x01u\n\x1dV\x00"
    (job,) = run(data)
    big, small, under = (e for e in job.elements if isinstance(e, TextLine))
    assert (big.align, big.spans[0].style.bold, big.spans[0].style.width, big.spans[0].style.height) == (
        "center",
        True,
        2,
        2,
    )
    assert (small.align, small.spans[0].style.font) == ("right", 1)
    assert under.spans[0].style.underline == 1 and under.spans[0].style.font == 0


def test_long_text_wraps_where_the_paper_ends() -> None:
    (job,) = run(b"\x1b@" + b"x" * 50 + b"\n\x1d!\x10" + b"y" * 30 + b"\n\x1dV\x00", PrintHead(columns_a=48))
    assert texts(job) == ["x" * 48, "xx", "y" * 24, "y" * 6]


def test_feed_lines_and_blank_lines() -> None:
    (job,) = run(b"\x1b@a\x1bd\x03b\n\n\x1dV\x00")
    assert texts(job) == ["a", "", "", "b", ""]


def test_qr_code_collects_size_level_and_content() -> None:
    data = b"\x1b@\x1d(k\x04\x001A2\x00\x1d(k\x03\x001C\x05\x1d(k\x03\x001E1\x1d(k\x0a\x001P0t=1&s=2\x1d(k\x03\x001Q0"
    (job,) = run(data + b"\x1dV\x00")
    (qr,) = job.elements
    assert qr == QrCode(content="t=1&s=2", module_size=5, error_correction="M", align="left")


def test_barcodes_in_both_gs_k_forms() -> None:
    data = b"\x1b@\x1dh\x50\x1dk\x02460123456789\x00\x1dkI\x05AB-12\x1dV\x00"
    (job,) = run(data)
    assert job.elements == [
        Barcode(system="EAN13", data="460123456789", height=0x50, align="left"),
        Barcode(system="CODE128", data="AB-12", height=0x50, align="left"),
    ]


def test_raster_image_from_python_escpos() -> None:
    from escpos.printer import Dummy

    picture = Image.new("1", (16, 3), 1)
    picture.putpixel((0, 0), 0)  # one black dot, top left
    dummy = Dummy()
    dummy.image(picture, impl="bitImageRaster")
    (job,) = run(b"\x1b@" + dummy.output + b"\x1dV\x00")
    (image,) = job.elements
    assert isinstance(image, RasterImage)
    assert (image.width_bytes, image.height) == (2, 3)
    assert image.bits[0] & 0x80


def test_drawer_kick_is_reported_with_pin_and_pulse() -> None:
    head = PrintHead()
    kicks = []
    for token in Tokenizer().feed(b"\x1bp\x01\x19\xfa"):
        kicks += head.apply(token)[1]
    assert [(k.pin, k.on_ms, k.off_ms) for k in kicks] == [(5, 50, 500)]


def test_unknown_commands_are_skipped_without_losing_sync() -> None:
    (job,) = run(b"\x1b@\x1bZok\n\x1d\x99fine\n\x1dV\x00")
    assert texts(job) == ["ok", "fine"]
    assert "UNKNOWN ESC 0x5a" in job.skipped


def test_init_after_printed_content_closes_a_job_without_a_cut() -> None:
    jobs = run(b"\x1b@first\n\x1b@second\n\x1dV\x00")
    assert [texts(j) for j in jobs] == [["first"], ["second"]]
    assert [j.cut for j in jobs] == [None, "full"]


def test_status_replies_follow_the_epson_bit_layout() -> None:
    ok = EmulatorState()
    assert [status_reply(ok, n) for n in (1, 2, 3, 4)] == [b"\x12", b"\x12", b"\x12", b"\x12"]
    out = EmulatorState(paper="out")
    assert (status_reply(out, 1), status_reply(out, 2), status_reply(out, 4)) == (b"\x1a", b"\x32", b"\x7e")
    assert status_reply(EmulatorState(paper="near_end"), 4) == b"\x1e"
    assert status_reply(EmulatorState(cover_open=True), 2) == b"\x16"
    assert status_reply(EmulatorState(drawer_open=True), 1) == b"\x16"
    assert status_reply(EmulatorState(replies="silent"), 1) is None
    assert status_reply(EmulatorState(replies="garbage"), 1) == b"\xff"
