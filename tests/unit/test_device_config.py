"""Device addresses in the configuration (DEVICE_*) pick the right driver,
and a wrong address is refused with a message naming the setting."""

from __future__ import annotations

import pytest

from webapp.devices import escpos_connection, id_card_reader, real_devices, scanner


def test_readers_over_serial_and_usb() -> None:
    serial = id_card_reader("serial:/dev/idreader")
    assert type(serial).__name__ == "SerialIdCardReader"
    usb = id_card_reader("usb:0400:c35a")
    assert type(usb).__name__ == "UsbIdCardReader"
    assert (usb.transport.vendor_id, usb.transport.product_id) == (0x0400, 0xC35A)


@pytest.mark.parametrize(
    ("address", "driver"),
    [
        ("tcp:10.0.0.9:9100", "Network"),
        ("tcp:10.0.0.9", "Network"),
        ("usb:0416:5011", "Usb"),
        ("serial:/dev/ttyUSB0", "Serial"),
    ],
)
def test_receipt_printer_connections(address: str, driver: str) -> None:
    assert type(escpos_connection(address)).__name__ == driver


def test_scanners_and_document_cameras() -> None:
    assert type(scanner("sane:fujitsu:fi-7160")).__name__ == "SaneScanner"
    assert scanner("sane:fujitsu:fi-7160").device_name == "fujitsu:fi-7160"
    camera = scanner("camera:/dev/video2")
    assert type(camera).__name__ == "DocumentCamera"
    assert camera.source.device == "/dev/video2"
    assert scanner("camera:0").source.device == 0


@pytest.mark.parametrize(
    ("setting", "address", "message"),
    [
        ("DEVICE_ID_READER", "/dev/ttyS0", "expected <kind>:<address>"),
        ("DEVICE_ID_READER", "bluetooth:x", "unknown kind 'bluetooth'"),
        ("DEVICE_ID_READER", "usb:zz", "usb:VID:PID"),
        ("DEVICE_RECEIPT", "lpt:1", "unknown kind 'lpt'"),
        ("DEVICE_SCANNER", "twain:x", "unknown kind 'twain'"),
    ],
)
def test_wrong_addresses_name_the_setting(setting, address, message) -> None:
    with pytest.raises(ValueError) as raised:
        real_devices({setting: address})
    assert str(raised.value).startswith(setting) and message in str(raised.value)


def test_nothing_configured_means_no_devices() -> None:
    assert real_devices({}).named() == {}
