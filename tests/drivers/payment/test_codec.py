"""The ZVT wire codec without any I/O: CRC and serial framing, APDU lengths, TCP reassembly, BMPs, TLV
and the PT's messages, checked against the byte sequences published for real terminals."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from drivers.payment.zvt import bmp as b
from drivers.payment.zvt.apdu import ACK, Apdu, ApduError, nak
from drivers.payment.zvt.framing import (
    ApduStream,
    FrameDecoder,
    FrameError,
    FrameEventKind,
    crc16_kermit,
    frame,
    unframe,
)
from drivers.payment.zvt.messages import (
    Completion,
    EndOfDayTotals,
    IntermediateStatus,
    PtAbort,
    StatusInformation,
    TextBlock,
    parse_print_line,
)
from drivers.payment.zvt.texts import intermediate_text, result_text

pytestmark = pytest.mark.unit

# (unstuffed APDU, complete frame) from ecrterm's unit tests
FRAME_VECTORS = [
    ("80 00 00", "10 02 80 00 00 10 03 F5 1F"),
    ("06 00 06 12 34 56 BA 09 78", "10 02 06 00 06 12 34 56 BA 09 78 10 03 24 C3"),
    ("06 01 0A 04 00 00 00 01 10 00 49 09 78", "10 02 06 01 0A 04 00 00 00 01 10 10 00 49 09 78 10 03 F2 FF"),
    ("05 01 03 12 34 56", "10 02 05 01 03 12 34 56 10 03 E0 43"),
]


def h(text: str) -> bytes:
    return bytes.fromhex(text)


# ------------------------------------------------------------------------------------------ CRC and frames


def test_crc16_kermit_check_value() -> None:
    assert crc16_kermit(b"123456789") == 0x2189


@pytest.mark.parametrize(("payload", "framed"), FRAME_VECTORS)
def test_frame_matches_published_vectors(payload: str, framed: str) -> None:
    assert frame(h(payload)) == h(framed)
    assert unframe(h(framed)) == h(payload)


def test_stuffed_dle_counts_once_in_the_crc() -> None:
    payload = h(FRAME_VECTORS[2][0])
    framed = frame(payload)
    assert framed.count(b"\x10\x10") == 1
    assert int.from_bytes(framed[-2:], "little") == crc16_kermit(payload + b"\x03")


@given(st.binary(max_size=300))
def test_frame_round_trip_any_payload(payload: bytes) -> None:
    events = FrameDecoder().feed(frame(payload))
    assert [(e.kind, e.payload) for e in events] == [(FrameEventKind.FRAME, payload)]


@given(st.binary(min_size=1, max_size=64), st.integers(min_value=1, max_value=7))
def test_frame_survives_any_split(payload: bytes, piece: int) -> None:
    wire = frame(payload)
    decoder = FrameDecoder()
    events = []
    for start in range(0, len(wire), piece):
        events += decoder.feed(wire[start : start + piece])
    assert [e.payload for e in events if e.kind is FrameEventKind.FRAME] == [payload]


def test_bad_crc_is_reported_for_a_nak() -> None:
    wire = bytearray(frame(h("80 00 00")))
    wire[-1] ^= 0x01
    (event,) = FrameDecoder().feed(bytes(wire))
    assert event.kind is FrameEventKind.BAD_FRAME
    with pytest.raises(FrameError):
        unframe(bytes(wire))


def test_dle_followed_by_junk_is_a_bad_frame() -> None:
    (event,) = FrameDecoder().feed(h("10 02 80 10 41 00 10 03 00 00"))
    assert event.kind is FrameEventKind.BAD_FRAME


def test_link_acks_between_frames_and_noise_ignored() -> None:
    events = FrameDecoder().feed(b"\x06\x41" + frame(h("80 00 00")) + b"\x15")
    assert [e.kind for e in events] == [FrameEventKind.LINK_ACK, FrameEventKind.FRAME, FrameEventKind.LINK_NAK]


def test_restarted_frame_replaces_the_abandoned_one() -> None:
    events = FrameDecoder().feed(h("10 02 04 0F 22") + frame(h("80 00 00")))
    assert [(e.kind, e.payload) for e in events] == [(FrameEventKind.FRAME, h("80 00 00"))]


def test_silence_mid_frame_drops_the_partial() -> None:
    decoder = FrameDecoder(gap=1.0)
    wire = frame(h("80 00 00"))
    assert decoder.feed(wire[:4], now=10.0) == []
    assert decoder.feed(wire[4:], now=12.0) == []  # the tail alone is not a frame
    (event,) = decoder.feed(wire, now=12.1)
    assert event.kind is FrameEventKind.FRAME


# ----------------------------------------------------------------------------------------------- APDU


def test_long_length_form_is_little_endian() -> None:
    apdu = Apdu(0x06, 0xD3, bytes(995))
    raw = apdu.encode()
    assert raw[:5] == h("06 D3 FF E3 03")
    assert Apdu.decode(raw) == apdu


@pytest.mark.parametrize(("size", "header"), [(0, 3), (254, 3), (255, 5), (0xFFFF, 5)])
def test_length_form_switches_at_255(size: int, header: int) -> None:
    raw = Apdu(0x06, 0xD1, bytes(size)).encode()
    assert len(raw) == header + size


def test_decode_rejects_a_wrong_length() -> None:
    with pytest.raises(ApduError):
        Apdu.decode(h("06 0F 02 00"))


def test_acknowledgements() -> None:
    assert ACK.encode() == h("80 00 00")
    assert Apdu.decode(h("84 00 00")).is_ack
    refused = Apdu.decode(nak(0x9C).encode())
    assert refused.is_nak and refused.instr == 0x9C
    with_data = Apdu.decode(h("84 1E 01 7D"))
    assert with_data.is_nak and with_data.data == b"\x7d"


def test_reassembly_of_split_and_glued_apdus() -> None:
    big = Apdu(0x06, 0xD3, bytes(range(256)) * 4)
    wire = ACK.encode() + h("04 FF 01 0A") + big.encode()
    stream = ApduStream()
    got = []
    for start in range(0, len(wire), 3):
        got += stream.feed(wire[start : start + 3])
    assert got == [ACK, Apdu(0x04, 0xFF, b"\x0a"), big]
    assert stream.pending == 0
    assert ApduStream().feed(wire) == got


# ------------------------------------------------------------------------------------------------ BMPs


def test_amount_is_bcd6_in_minor_units() -> None:
    assert b.encode_amount(1050) == h("00 00 00 00 10 50")
    assert b.encode_bmp(0x04, b.encode_amount(1050)) == h("04 00 00 00 00 10 50")
    assert b.bcd_decode(h("00 00 01 23 45 67")) == 1234567
    with pytest.raises(b.BmpError):
        b.bcd_decode(h("0A"))


def test_llvar_and_lllvar() -> None:
    assert b.encode_bmp(0x8B, b"Mastercard") == h("8B F1 F0") + b"Mastercard"
    assert b.encode_var(b"x" * 123, 3)[:3] == h("F1 F2 F3")
    value, end = b.decode_var(h("F0 F3 41 42 43 44"), 0, 2)
    assert (value, end) == (b"ABC", 5)
    with pytest.raises(b.BmpError):
        b.decode_var(h("F0 F9 41"), 0, 2)


def test_masked_pan_round_trip() -> None:
    (field,) = b.decode_bmps(h("22 F0 F8 EE EE EE EE EE EE 47 71"))
    assert field[0] == 0x22
    assert b.decode_pan(field[1]) == "************4771"
    assert b.encode_pan("427638******4771") == h("42 76 38 EE EE EE 47 71")
    assert b.decode_pan(b.encode_pan("12345*7")) == "12345*7"  # odd length padded with F


def test_tlv_lengths_are_big_endian_and_tags_multibyte() -> None:
    items = [b.tlv(0x1F07, b"\x02"), b.tlv(0x25, [b.tlv(0x07, b"x" * 200)] * 2)]
    raw = b.encode_tlv(items)
    assert raw[:4] == h("1F 07 01 02")
    assert raw[4:8] == h("25 82 01 96")  # 2 × (07 81 C8 + 200) = 406 = 0x0196
    decoded = b.decode_tlv(raw)
    assert decoded[0] == items[0]
    assert [c.value for c in b.find_tlv(decoded, 0x25, 0x07)] == [b"x" * 200] * 2


# -------------------------------------------------------------------------------------------- messages

# the Status-Information of §7.2
STATUS_INFO = (
    h("27 00 04 00 00 00 00 10 50 0B 00 01 23 0C 14 30 15 0D 06 12 0E 27 12 17 00 01 19 70")
    + h("22 F0 F8 EE EE EE EE EE EE 12 34 29 12 34 56 78 2A")
    + b"123456789012345"
    + h("3B")
    + b"123456\x00\x00"
    + h("49 09 78 87 00 42 88 00 00 42 8A 06 8B F1 F0")
    + b"Mastercard"
)


def test_status_information_from_the_reference() -> None:
    assert len(STATUS_INFO) == 0x5E
    info = StatusInformation.parse(STATUS_INFO)
    assert info.approved
    assert (info.amount, info.trace, info.receipt_number, info.turnover) == (1050, 123, 42, 42)
    assert (info.time, info.date, info.expiry) == ((14, 30, 15), (6, 12), "2712")
    assert info.pan == "************1234"
    assert info.terminal_id == "12345678"
    assert info.auth_code == "123456"
    assert (info.currency, info.card_type, info.card_name) == (978, 0x06, "Mastercard")


def test_status_information_encode_parse_round_trip() -> None:
    info = StatusInformation.parse(STATUS_INFO)
    assert StatusInformation.parse(info.encode()) == info


def test_status_information_keeps_fields_before_garbage() -> None:
    info = StatusInformation.parse(h("27 05 04 00 00 00 00 10 13 FE 01 02"))
    assert (info.result_code, info.amount) == (5, 1013)


def test_receipt_no_ff_ff_means_none() -> None:
    assert StatusInformation.parse(h("87 FF FF")).receipt_number is None


def test_end_of_day_totals_bmp60() -> None:
    totals = EndOfDayTotals(
        receipt_from=1, receipt_to=9, groups=((0, 0), (0, 0), (2, 300), (0, 0), (3, 1500), (0, 0), (1, 7))
    )
    raw = totals.encode()
    assert len(raw) == 53
    assert EndOfDayTotals.parse(raw) == totals
    assert totals.count == 6


def test_intermediate_status_and_texts() -> None:
    assert IntermediateStatus.parse(h("0A")).code == 0x0A
    with_text = IntermediateStatus(code=0xFF, timeout=5, texts=("Приложите карту",))
    parsed = IntermediateStatus.parse(with_text.encode())
    assert (parsed.code, parsed.timeout, parsed.texts) == (0xFF, 5, ("Приложите карту",))
    assert intermediate_text(0x0A) == "Вставьте карту"
    assert intermediate_text(0x0A, "en") == "Insert card"
    assert intermediate_text(0x01) == "Введите PIN"
    assert intermediate_text(0x4B, "en") == "Remove card, remove card"
    assert result_text(0x6C, "en") == "Aborted"
    assert "05" in result_text(0x05)


def test_receipts_print_line_and_text_block() -> None:
    assert parse_print_line(h("00") + "ИТОГ".encode("cp866")) == ["ИТОГ"]
    assert parse_print_line(h("FF 02")) == ["", ""]
    block = TextBlock(lines=("ОПЛАТА", "ОДОБРЕНО"), receipt_type=2)
    assert TextBlock.parse(block.encode()) == block


def test_completion_of_status_enquiry_and_registration() -> None:
    enquiry = Completion.parse(h("F0 F0 F7") + b"2.14.15" + h("00"))  # a real answer to 05 01
    assert (enquiry.sw_version, enquiry.terminal_status) == ("2.14.15", 0)
    registration = Completion.parse(h("19 00 29 12 34 56 78 49 09 78"))
    assert (registration.status_byte, registration.terminal_id, registration.currency) == (0, "12345678", 978)


def test_pt_abort_with_extended_text() -> None:
    tlv = b.encode_bmp(b.TLV_BMP, b.encode_tlv([b.tlv(0x1F16, h("FF 00 00 14 41")), b.tlv(0x1F17, b"Abbruch")]))
    parsed = PtAbort.parse(h("6C") + tlv)
    assert (parsed.result_code, parsed.error_text) == (0x6C, "Abbruch")
    assert PtAbort.parse(h("6F 09 78")).result_code == 0x6F
