"""二代证 readers speaking the SAM_V protocol (serial or USB) and photo decoders."""

from devices.idcard.photo import LibraryPhotoDecoder, NoPhotoDecoder
from devices.idcard.protocol import UnsupportedCardType
from devices.idcard.reader import SamIdCardReader, Transport
from devices.idcard.serial_reader import SerialIdCardReader
from devices.idcard.text import parse_text
from devices.idcard.usb_reader import UsbIdCardReader

__all__ = [
    "LibraryPhotoDecoder",
    "NoPhotoDecoder",
    "SamIdCardReader",
    "SerialIdCardReader",
    "Transport",
    "UnsupportedCardType",
    "UsbIdCardReader",
    "parse_text",
]
