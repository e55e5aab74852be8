"""The SAM_V ID card driver: frames, text block, and the real serial reader
against the byte-level simulator on a pty."""

from __future__ import annotations

import logging
import time
from array import array
from dataclasses import replace
from datetime import date

import pytest
import usb.core
from hypothesis import given, settings
from hypothesis import strategies as st

from devices.idcard import protocol
from devices.idcard.photo import LibraryPhotoDecoder, NoPhotoDecoder
from devices.idcard.protocol import Command, Status
from devices.idcard.reader import SamIdCardReader, Transport
from devices.idcard.serial_reader import SerialIdCardReader
from devices.idcard.text import ETHNICITIES, UnsupportedCardType, parse_text
from devices.idcard.usb_reader import UsbIdCardReader, UsbTransport
from devices.simulated.idcard_device import IdCardDeviceSimulator, encode_text
from devices.simulated.idcard_reader import SimulatedIdCardReader
from govcore.ports import CardType, DeviceError, DeviceState, IdCard, NoCardError
from govcore.validation import check_digit

PHOTO = bytes((i * 7) % 256 for i in range(1024))


def id_number(body17: str) -> str:
    return body17 + check_digit(body17)


RESIDENT = IdCard(
    card_type=CardType.RESIDENT,
    name="王秀英",
    id_number="11010519491231002X",
    sex="F",
    birth_date=date(1949, 12, 31),
    valid_from=date(2015, 3, 1),
    valid_to=None,
    ethnicity="汉",
    address="北京市东城区测试胡同1号院2号楼301",
    issuer="北京市公安局东城分局",
    photo_wlt=PHOTO,
)
HMT = IdCard(
    card_type=CardType.HMT_RESIDENT,
    name="陈大文",
    id_number=id_number("81000019900101001"),
    sex="M",
    birth_date=date(1990, 1, 1),
    valid_from=date(2020, 5, 6),
    valid_to=date(2025, 5, 6),
    address="广东省深圳市福田区测试路8号",
    issuer="深圳市公安局",
    permit_number="H12345678",
    issue_count="01",
    photo_wlt=PHOTO,
)
FOREIGNER = IdCard(
    card_type=CardType.FOREIGNER,
    name="史密斯",
    id_number="USA310086061508",
    sex="M",
    birth_date=date(1986, 6, 15),
    valid_from=date(2019, 7, 1),
    valid_to=date(2029, 7, 1),
    issuer="1100",
    name_en="SMITH JOHN WILLIAM",
    nationality="USA",
    photo_wlt=PHOTO,
)
CARDS = [RESIDENT, HMT, FOREIGNER]

SHORT = 0.25  # command timeout of the reader under test, seconds


@pytest.fixture
def sim():
    with IdCardDeviceSimulator() as simulator:
        yield simulator


@pytest.fixture
def reader(sim):
    device = SerialIdCardReader(sim.port, timeout=0.5, command_timeout=SHORT)
    yield device
    device.close()


# ------------------------------------------------------------------ frames


def test_checksum_worked_example():
    assert protocol.xor_checksum(bytes.fromhex("00032001")) == 0x22


@pytest.mark.parametrize(
    ("command", "frame"),
    [
        (Command.RESET_SAM, "AAAAAA9669 0003 10FF EC"),
        (Command.SAM_STATUS, "AAAAAA9669 0003 11FF ED"),
        (Command.SAM_ID, "AAAAAA9669 0003 12FF EE"),
        (Command.FIND_CARD, "AAAAAA9669 0003 2001 22"),
        (Command.SELECT_CARD, "AAAAAA9669 0003 2002 21"),
        (Command.READ_BASE, "AAAAAA9669 0003 3001 32"),
        (Command.READ_ADDRESS, "AAAAAA9669 0003 3003 30"),
        (Command.READ_WITH_FINGERPRINT, "AAAAAA9669 0003 3010 23"),
    ],
)
def test_command_frames_match_the_literal_frames(command, frame):
    assert protocol.build_command(command) == bytes.fromhex(frame)
    assert protocol.parse_command(bytes.fromhex(frame)) == (*command.value, b"")


@pytest.mark.parametrize(
    ("frame", "sw3", "data"),
    [
        ("AAAAAA9669 0008 00009F 00000000 97", 0x9F, bytes(4)),
        ("AAAAAA9669 0004 000080 84", 0x80, b""),
        ("AAAAAA9669 000C 000090 0000000000000000 9C", 0x90, bytes(8)),
        ("AAAAAA9669 0004 000081 85", 0x81, b""),
        ("AAAAAA9669 0004 000041 45", 0x41, b""),
        ("AAAAAA9669 0004 000090 94", 0x90, b""),
    ],
)
def test_literal_replies_parse(frame, sw3, data):
    raw = bytes.fromhex(frame)
    assert protocol.parse_reply(raw) == protocol.Reply(0, 0, sw3, data)
    assert protocol.build_reply(sw3, data) == raw


def test_reply_with_wrong_checksum_is_rejected():
    raw = bytearray(bytes.fromhex("AAAAAA9669 0004 000090 94"))
    raw[-1] ^= 1
    with pytest.raises(protocol.ChecksumError) as info:
        protocol.parse_reply(bytes(raw))
    assert info.value.code == "checksum"


@pytest.mark.parametrize(
    "frame",
    [
        "AAAAAA9668 0004 000090 94",  # preamble
        "AAAAAA9669 0005 000090 94",  # LEN says one byte more
        "AAAAAA9669 0000",  # LEN too small
        "AAAAAA9669 FFFF 000090 94",  # LEN too large
    ],
)
def test_malformed_replies_are_bad_frames(frame):
    with pytest.raises(protocol.BadFrameError) as info:
        protocol.parse_reply(bytes.fromhex(frame))
    assert info.value.code == "bad_frame"


@pytest.mark.parametrize(
    ("sw3", "error", "code"),
    [
        (0x80, NoCardError, "no_card"),
        (0x81, protocol.SelectFailedError, "select_failed"),
        (0x41, protocol.ReadFailedError, "read_failed"),
        (0x10, protocol.ChecksumError, "checksum"),
        (0x40, UnsupportedCardType, "unsupported_card_type"),
        (0x31, protocol.CardAuthenticationError, "card_auth_failed"),
        (0x66, protocol.SamFaultError, "sam_fault"),
        (0x99, DeviceError, "reader_error"),
    ],
)
def test_status_codes_map_to_typed_errors(sw3, error, code):
    raised = protocol.error_for_status(sw3)
    assert isinstance(raised, error)
    assert raised.code == code
    assert raised.message  # Chinese, for staff


def test_status_ok_is_not_an_error():
    reply = protocol.Reply(0, 0, Status.NO_CONTENT)
    assert protocol.check_reply(reply, Status.OK, Status.NO_CONTENT) is reply


@pytest.mark.parametrize(
    ("fingerprint", "total"), [(None, 1295), (b"", 1297), (bytes(1024), 2321)]
)
def test_read_reply_sizes(fingerprint, total):
    text = encode_text(RESIDENT)
    payload = protocol.build_read_payload(text, PHOTO, fingerprint)
    frame = protocol.build_reply(Status.OK, payload)
    assert len(frame) == total
    parsed = protocol.parse_read_payload(
        protocol.parse_reply(frame).data, with_fingerprint=fingerprint is not None
    )
    assert (parsed.text, parsed.photo) == (text, PHOTO)
    assert parsed.fingerprint == (fingerprint or b"")


def test_read_payload_whose_lengths_disagree_is_a_bad_frame():
    payload = protocol.build_read_payload(encode_text(RESIDENT), PHOTO)
    with pytest.raises(protocol.BadFrameError):
        protocol.parse_read_payload(payload[:-1], with_fingerprint=False)


def test_sam_id_display_form():
    data = bytes.fromhex("0500 0100 E8030000 39300000 D2040000")
    assert protocol.format_sam_id(data) == "05.01-00001000-0000012345-0000001234"


# -------------------------------------------------------------- text block


def test_resident_text_layout_offsets():
    block = encode_text(RESIDENT)
    assert len(block) == 256
    assert block[:6].decode("utf-16-le") == "王秀英"
    assert block[30:32] == "2".encode("utf-16-le")
    assert block[32:36] == "01".encode("utf-16-le")
    assert block[122:158].decode("utf-16-le") == "11010519491231002X"
    assert block[204:208].decode("utf-16-le") == "长期"
    assert block[248:250] == b" \x00"


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.id_number)
def test_text_round_trip(card):
    assert parse_text(encode_text(card), photo=PHOTO) == card


def test_ethnicity_table_is_complete():
    assert len(ETHNICITIES) == 58
    assert [f"{n:02d}" for n in [*range(1, 57), 97, 98]] == list(ETHNICITIES)
    assert ETHNICITIES["46"] == "德昂"


@pytest.mark.parametrize(
    "card",
    [
        replace(RESIDENT, id_number="110105194912310021"),  # check digit
        replace(RESIDENT, sex="M"),  # the number says female
        replace(RESIDENT, birth_date=date(1949, 12, 30)),
        replace(HMT, id_number="11010519491231002X", sex="F"),  # not an 81/82/83 number
        replace(FOREIGNER, id_number="US1310086061508"),
        replace(FOREIGNER, id_number="USA31008606150"),
        replace(FOREIGNER, nationality="U1"),
    ],
)
def test_inconsistent_card_data_is_invalid(card):
    with pytest.raises(DeviceError) as info:
        parse_text(encode_text(card))
    assert info.value.code == "card_data_invalid"


def test_unknown_gender_code_is_invalid():
    with pytest.raises(DeviceError) as info:
        parse_text(encode_text(replace(RESIDENT, sex="9")))
    assert info.value.code == "card_data_invalid"


def test_unsupported_flag_logs_only_the_flag(caplog):
    caplog.set_level(logging.WARNING)
    with pytest.raises(UnsupportedCardType) as info:
        parse_text(encode_text(RESIDENT, flag="Y"))
    assert info.value.code == "unsupported_card_type"
    assert "5900" in caplog.text
    assert RESIDENT.name not in caplog.text
    assert RESIDENT.id_number not in caplog.text


_CJK = st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5)


@st.composite
def cards(draw) -> IdCard:
    card_type = draw(st.sampled_from(list(CardType)))
    birth = draw(st.dates(date(1900, 1, 1), date(2020, 12, 31)))
    sex = draw(st.sampled_from(["M", "F"]))
    sequence = draw(st.integers(0, 49)) * 2 + (1 if sex == "M" else 0)
    prefix = "820000" if card_type is CardType.HMT_RESIDENT else "440305"
    number = id_number(f"{prefix}{birth:%Y%m%d}{sequence:03d}")
    valid_from = draw(st.dates(date(2000, 1, 1), date(2030, 1, 1)))
    card = IdCard(
        card_type=card_type,
        name=draw(st.text(_CJK, min_size=1, max_size=15)),
        id_number=number,
        sex=sex,
        birth_date=birth,
        valid_from=valid_from,
        valid_to=draw(st.none() | st.dates(valid_from, date(2099, 12, 31))),
    )
    if card_type is CardType.FOREIGNER:
        alpha = st.characters(min_codepoint=65, max_codepoint=90)
        nationality = draw(st.text(alpha, min_size=3, max_size=3))
        digits = draw(st.integers(0, 10**12 - 1))
        return replace(
            card,
            id_number=f"{nationality}{digits:012d}",
            name_en=draw(st.text(alpha, min_size=1, max_size=60)),
            nationality=nationality,
            issuer=draw(st.text(st.sampled_from("0123456789"), min_size=4, max_size=4)),
        )
    card = replace(
        card,
        address=draw(st.text(_CJK, max_size=35)),
        issuer=draw(st.text(_CJK, max_size=15)),
    )
    if card_type is CardType.RESIDENT:
        return replace(
            card, ethnicity=draw(st.sampled_from(list(ETHNICITIES.values())))
        )
    return replace(card, permit_number=f"M{draw(st.integers(0, 10**8 - 1)):08d}")


@settings(max_examples=200, deadline=None)
@given(cards(), st.binary(min_size=1024, max_size=1024))
def test_text_encode_parse_round_trip(card, photo):
    assert parse_text(encode_text(card), photo=photo) == replace(card, photo_wlt=photo)


# ----------------------------------------------- serial reader on the pty


@pytest.mark.parametrize("card", CARDS, ids=lambda card: card.card_type.value)
def test_serial_reader_reads_each_card_type(sim, reader, card):
    sim.insert(card)
    read = reader.read_card()
    assert read == card
    assert len(read.photo_wlt) == 1024
    assert sim.commands == [(0x20, 0x01), (0x20, 0x02), (0x30, 0x01)]


@pytest.mark.parametrize("has_fingerprint", [True, False])
def test_serial_reader_with_fingerprint_command(sim, has_fingerprint):
    sim.with_fingerprint = has_fingerprint
    sim.insert(RESIDENT)
    reader = SerialIdCardReader(
        sim.port, timeout=0.5, command_timeout=SHORT, with_fingerprint=True
    )
    try:
        assert reader.read_card() == RESIDENT
    finally:
        reader.close()
    assert sim.commands[-1] == (0x30, 0x10)


def test_no_card(reader):
    with pytest.raises(NoCardError):
        reader.read_card()
    assert reader.card_present() is False


def test_bad_checksum_from_the_reader_then_recovery(sim, reader):
    sim.insert(RESIDENT)
    sim.bad_checksum_next = True
    with pytest.raises(protocol.ChecksumError):
        reader.card_present()
    assert reader.read_card() == RESIDENT


def test_bad_checksum_from_the_host_is_reported():
    sim = IdCardDeviceSimulator()  # answers SW3 10 to a corrupted command
    frame = bytearray(protocol.build_command(Command.FIND_CARD))
    frame[-1] ^= 0xFF
    assert protocol.parse_reply(sim.answer(bytes(frame))).sw3 == Status.CHECKSUM_ERROR


def test_select_failure(sim, reader):
    sim.insert(RESIDENT)
    sim.select_fails = True
    with pytest.raises(protocol.SelectFailedError) as info:
        reader.read_card()
    assert info.value.code == "select_failed"


def test_read_failure_is_retried_once(sim, reader):
    sim.insert(RESIDENT)
    sim.read_fails = True
    with pytest.raises(protocol.ReadFailedError) as info:
        reader.read_card()
    assert info.value.code == "read_failed"
    assert sim.commands.count((0x30, 0x01)) == 2


def test_silent_device_times_out_within_the_timeout(sim, reader):
    sim.insert(RESIDENT)
    sim.silent = True
    started = time.monotonic()
    with pytest.raises(protocol.ReaderTimeoutError) as info:
        reader.read_card()
    elapsed = time.monotonic() - started
    assert info.value.code == "timeout"
    assert SHORT <= elapsed < SHORT + 0.5
    status = reader.status()
    assert status.state is DeviceState.OFFLINE
    assert status.message == "身份证读卡器无应答"


def test_removal_detection(sim, reader):
    sim.insert(RESIDENT)
    assert reader.card_present() is True
    assert reader.read_card() == RESIDENT
    # A read card answers "no card" to find until lifted; select still works.
    assert reader.card_present() is True
    assert reader.read_card() == RESIDENT
    sim.remove()
    assert reader.card_present() is False
    with pytest.raises(NoCardError):
        reader.read_card()


@pytest.mark.parametrize(
    "card",
    [
        replace(RESIDENT, id_number="110105194912310021"),
        replace(RESIDENT, sex="M"),
    ],
)
def test_invalid_card_data_through_the_reader(sim, reader, card):
    sim.insert(card)
    with pytest.raises(DeviceError) as info:
        reader.read_card()
    assert info.value.code == "card_data_invalid"


def test_unsupported_flag_through_the_reader(sim, reader):
    sim.insert(RESIDENT, flag="Y")
    with pytest.raises(UnsupportedCardType):
        reader.read_card()


def test_status_and_sam_id(reader):
    status = reader.status()
    assert status.state is DeviceState.READY and status.usable
    assert reader.sam_id() == "513.1027-134678021-0202050057-0269422093"
    assert reader.read_appended_address() == ""


def test_status_offline_when_the_port_cannot_be_opened(tmp_path):
    reader = SerialIdCardReader(str(tmp_path / "ttyNONE"), command_timeout=SHORT)
    status = reader.status()
    assert status.state is DeviceState.OFFLINE
    assert "无法打开" in status.message
    with pytest.raises(protocol.ReaderOfflineError):
        reader.read_card()


class ScriptedTransport(Transport):
    """Answers every command with the next canned byte string."""

    def __init__(self, *replies: bytes) -> None:
        self.replies = list(replies)
        self.pending = b""

    def open(self) -> None:
        pass

    def close(self) -> None:
        pass

    def discard_input(self) -> None:
        self.pending = b""

    def send(self, frame: bytes) -> None:
        self.pending = self.replies.pop(0)

    def receive(self, size: int, timeout: float) -> bytes:
        size = min(size, 3)  # dribble, as a slow line does
        chunk, self.pending = self.pending[:size], self.pending[size:]
        return chunk


def test_noise_before_the_preamble_is_skipped():
    found = protocol.build_reply(Status.CARD_FOUND, bytes(4))
    reader = SamIdCardReader(ScriptedTransport(b"\x00\xaa\x13\xaa\xaa" + found))
    assert reader.card_present() is True


def test_truncated_reply_times_out():
    found = protocol.build_reply(Status.CARD_FOUND, bytes(4))
    reader = SamIdCardReader(ScriptedTransport(found[:-2]), command_timeout=0.05)
    with pytest.raises(protocol.ReaderTimeoutError) as info:
        reader.card_present()
    assert info.value.message == "身份证读卡器应答不完整"


# ------------------------------------------------- USB transport, faked


class FakeUsbDevice:
    """Stands in for a ``usb.core.Device``: frames go to the simulator's
    :meth:`answer`, replies come back as bulk packets."""

    def __init__(self, simulator, *, split: bool, packet: int = 64) -> None:
        self.simulator = simulator
        self.split = split
        self.packet = packet
        self.written: list[tuple[int, bytes]] = []
        self.queues: dict[int, list[bytes]] = {0x81: [], 0x85: []}
        self._incoming = b""

    def write(self, endpoint, data, timeout):
        self.written.append((endpoint, bytes(data)))
        self._incoming += bytes(data)
        size = 7 + int.from_bytes(self._incoming[5:7], "big")
        if len(self._incoming) < size:
            return len(data)
        frame, self._incoming = self._incoming[:size], b""
        reply = self.simulator.answer(frame)
        if reply is not None and self.split:
            self.queues[0x81].append(reply[:7])
            self.queues[0x85].append(reply[7:])
        elif reply is not None:
            for start in range(0, len(reply), self.packet):
                self.queues[0x81].append(reply[start : start + self.packet])
        return len(data)

    def read(self, endpoint, size, timeout):
        if not self.queues[endpoint]:
            raise usb.core.USBTimeoutError("timeout")
        return array("B", self.queues[endpoint].pop(0)[:size])


def test_usb_reader_single_endpoints():
    simulator = IdCardDeviceSimulator()
    simulator.insert(HMT)
    device = FakeUsbDevice(simulator, split=False)
    reader = UsbIdCardReader(device, command_timeout=SHORT, timeout=0.5)
    assert reader.read_card() == HMT
    assert {endpoint for endpoint, _ in device.written} == {0x02}
    assert device.written[0][1] == protocol.build_command(Command.FIND_CARD)


def test_usb_reader_split_header_and_body():
    simulator = IdCardDeviceSimulator()
    simulator.insert(RESIDENT)
    device = FakeUsbDevice(simulator, split=True)
    reader = UsbIdCardReader(
        device,
        command_timeout=SHORT,
        timeout=0.5,
        body_out_endpoint=0x06,
        body_in_endpoint=0x85,
    )
    assert reader.read_card() == RESIDENT
    assert device.written[:2] == [
        (0x02, bytes.fromhex("AAAAAA96690003")),
        (0x06, bytes.fromhex("200122")),
    ]


def test_usb_reader_silent_device_times_out():
    simulator = IdCardDeviceSimulator()
    simulator.silent = True
    reader = UsbIdCardReader(FakeUsbDevice(simulator, split=False), command_timeout=0.1)
    with pytest.raises(protocol.ReaderTimeoutError):
        reader.card_present()


def test_usb_transport_offline_without_a_device():
    transport = UsbTransport(vendor_id=0xFFFF, product_id=0xFFFE)
    with pytest.raises(protocol.ReaderOfflineError):
        transport.open()


# ------------------------------------------------------------------ photo


def test_no_photo_decoder():
    with pytest.raises(DeviceError) as info:
        NoPhotoDecoder().decode(PHOTO)
    assert info.value.code == "no_photo_decoder"


@pytest.mark.parametrize(
    ("path", "function"),
    [("/nonexistent/libwlt.so", "unpack"), ("libc.so.6", "no_such_decoder")],
)
def test_library_photo_decoder_missing(path, function):
    with pytest.raises(DeviceError) as info:
        LibraryPhotoDecoder(path, function=function).decode(PHOTO)
    assert info.value.code == "no_photo_decoder"


def test_library_photo_decoder_rejects_a_short_photo():
    with pytest.raises(DeviceError) as info:
        LibraryPhotoDecoder("/nonexistent/libwlt.so").decode(b"\x00" * 10)
    assert info.value.code == "photo_decode_failed"


# ------------------------------------------------------- in-memory reader


def test_simulated_reader():
    reader = SimulatedIdCardReader()
    assert reader.status().state is DeviceState.READY
    with pytest.raises(NoCardError):
        reader.read_card()
    reader.insert(RESIDENT)
    assert reader.card_present() is True
    reader.fail_next("read_failed")
    with pytest.raises(DeviceError) as info:
        reader.read_card()
    assert info.value.code == "read_failed"
    assert reader.read_card() == RESIDENT
    assert reader.reads == 1
    reader.remove()
    assert reader.card_present() is False
    reader.offline = True
    assert reader.status().state is DeviceState.OFFLINE
    with pytest.raises(DeviceError) as info:
        reader.card_present()
    assert info.value.code == "offline"
    reader.insert(RESIDENT)
    reader.offline = False
    reader.fail_next("no_card")
    with pytest.raises(NoCardError):
        reader.read_card()
    reader.fail_next("jammed")
    with pytest.raises(DeviceError) as info:
        reader.read_card()
    assert info.value.code == "jammed" and "模拟" in info.value.message
