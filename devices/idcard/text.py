"""The 256-byte text block of a card: resident, foreigner (``I``), 港澳台 (``J``).

Every field is UCS-2 little-endian, right-padded with spaces; the type flag
sits at offset 248. Offsets are in devices.md §1.6. The ID number is checked
(GB 11643) and its sex digit must agree with the gender code; a card whose data
does not hold together raises ``DeviceError(code="card_data_invalid")``.
"""

from __future__ import annotations

import logging
import re
from datetime import date

from devices.idcard.protocol import UnsupportedCardType
from govcore.errors import ValidationError
from govcore.ports import CardType, DeviceError, IdCard
from govcore.validation import IdNumberKind, parse_id_number

__all__ = [
    "ETHNICITIES",
    "FLAG_OFFSET",
    "FLAGS",
    "GENDERS",
    "LONG_TERM",
    "TEXT_SIZE",
    "UnsupportedCardType",
    "card_type_of",
    "parse_text",
]

log = logging.getLogger(__name__)

TEXT_SIZE = 256
FLAG_OFFSET = 248
LONG_TERM = "长期"

FLAGS: dict[str, CardType] = {
    " ": CardType.RESIDENT,
    "I": CardType.FOREIGNER,
    "J": CardType.HMT_RESIDENT,
}

#: GB/T 2261.1 codes the port can express.
GENDERS = {"1": "M", "2": "F"}

#: GB 3304 民族 codes, names as printed on the card (without 族).
ETHNICITIES: dict[str, str] = {
    "01": "汉", "02": "蒙古", "03": "回", "04": "藏", "05": "维吾尔",
    "06": "苗", "07": "彝", "08": "壮", "09": "布依", "10": "朝鲜",
    "11": "满", "12": "侗", "13": "瑶", "14": "白", "15": "土家",
    "16": "哈尼", "17": "哈萨克", "18": "傣", "19": "黎", "20": "傈僳",
    "21": "佤", "22": "畲", "23": "高山", "24": "拉祜", "25": "水",
    "26": "东乡", "27": "纳西", "28": "景颇", "29": "柯尔克孜", "30": "土",
    "31": "达斡尔", "32": "仫佬", "33": "羌", "34": "布朗", "35": "撒拉",
    "36": "毛南", "37": "仡佬", "38": "锡伯", "39": "阿昌", "40": "普米",
    "41": "塔吉克", "42": "怒", "43": "乌孜别克", "44": "俄罗斯", "45": "鄂温克",
    "46": "德昂", "47": "保安", "48": "裕固", "49": "京", "50": "塔塔尔",
    "51": "独龙", "52": "鄂伦春", "53": "赫哲", "54": "门巴", "55": "珞巴",
    "56": "基诺", "97": "其他", "98": "外国血统中国籍人士",
}  # fmt: skip

_OLD_FOREIGNER_NUMBER = re.compile(r"[A-Z]{3}\d{12}")
_NATIONALITY = re.compile(r"[A-Z]{3}")


def _invalid(message: str) -> DeviceError:
    return DeviceError(message, code="card_data_invalid")


def _field(block: bytes, offset: int, size: int) -> str:
    try:
        return block[offset : offset + size].decode("utf-16-le").rstrip(" \x00")
    except UnicodeDecodeError:
        raise _invalid("证件文字信息编码错误") from None


def _date(value: str, label: str, *, long_term: bool = False) -> date | None:
    if long_term and value == LONG_TERM:
        return None
    if len(value) != 8 or not value.isdigit():
        raise _invalid(f"证件{label}格式错误")
    try:
        return date(int(value[:4]), int(value[4:6]), int(value[6:]))
    except ValueError:
        raise _invalid(f"证件{label}不是有效日期") from None


def _required_date(value: str, label: str) -> date:
    parsed = _date(value, label)
    assert parsed is not None
    return parsed


def _sex(code: str) -> str:
    try:
        return GENDERS[code]
    except KeyError:
        raise _invalid("证件性别代码无法识别") from None


def card_type_of(block: bytes) -> CardType:
    """The card type from the flag at offset 248.

    :raise UnsupportedCardType: for any flag but space, ``I`` and ``J``; only
        the flag is logged, never the block.
    """
    if len(block) != TEXT_SIZE:
        raise _invalid(f"证件文字信息长度错误：{len(block)}")
    flag = block[FLAG_OFFSET : FLAG_OFFSET + 2]
    card_type = FLAGS.get(flag.decode("utf-16-le", errors="replace"))
    if card_type is None:
        log.warning("unsupported ID card type flag %s", flag.hex())
        raise UnsupportedCardType(f"暂不支持此类证件（类型标志 {flag.hex()}）")
    return card_type


def _check_id_number(number: str, sex: str, birth: date, kind: IdNumberKind) -> None:
    """GB 11643 check plus agreement with the chip's gender and birth date."""
    try:
        info = parse_id_number(number)
    except ValidationError:
        raise _invalid("证件号码校验失败") from None
    if info.number != number or info.kind is not kind:
        raise _invalid("证件号码与证件类型不符")
    if info.sex != sex:
        raise _invalid("证件号码与性别不符")
    if info.birth_date != birth:
        raise _invalid("证件号码与出生日期不符")


def parse_text(block: bytes, *, photo: bytes = b"") -> IdCard:
    """Decode a 256-byte text block into an :class:`IdCard`.

    :param photo: the raw WLT photo, kept as it is.
    :raise UnsupportedCardType: unknown type flag.
    :raise DeviceError: ``card_data_invalid`` when a field is malformed or the
        ID number is wrong or disagrees with the gender or birth date.
    """
    card_type = card_type_of(block)
    if card_type is CardType.FOREIGNER:
        return _foreigner(block, photo)
    sex = _sex(_field(block, 30, 2))
    birth = _required_date(_field(block, 36, 16), "出生日期")
    number = _field(block, 122, 36)
    resident = card_type is CardType.RESIDENT
    kind = IdNumberKind.RESIDENT if resident else IdNumberKind.HK_MO_TW
    _check_id_number(number, sex, birth, kind)
    ethnicity = ""
    if resident:
        ethnicity = ETHNICITIES.get(_field(block, 32, 4), "")
        if not ethnicity:
            raise _invalid("证件民族代码无法识别")
    return IdCard(
        card_type=card_type,
        name=_field(block, 0, 30),
        id_number=number,
        sex=sex,
        birth_date=birth,
        valid_from=_required_date(_field(block, 188, 16), "有效期起始日期"),
        valid_to=_date(_field(block, 204, 16), "有效期截止日期", long_term=True),
        ethnicity=ethnicity,
        address=_field(block, 52, 70),
        issuer=_field(block, 158, 30),
        permit_number="" if resident else _field(block, 220, 18),
        issue_count="" if resident else _field(block, 238, 4),
        photo_wlt=photo,
    )


def _foreigner(block: bytes, photo: bytes) -> IdCard:
    sex = _sex(_field(block, 120, 2))
    birth = _required_date(_field(block, 220, 16), "出生日期")
    # The 2017 layout has room for the 15-character number only; the 2023
    # edition (18 digits, GB 11643) has no public layout yet: its flag is
    # rejected by card_type_of.
    number = _field(block, 122, 30)
    if not _OLD_FOREIGNER_NUMBER.fullmatch(number):
        raise _invalid("永久居留证号码格式错误")
    nationality = _field(block, 152, 6)
    if not _NATIONALITY.fullmatch(nationality):
        raise _invalid("国籍代码格式错误")
    name_en = _field(block, 0, 120)
    return IdCard(
        card_type=CardType.FOREIGNER,
        name=_field(block, 158, 30) or name_en,
        id_number=number,
        sex=sex,
        birth_date=birth,
        valid_from=_required_date(_field(block, 188, 16), "有效期起始日期"),
        valid_to=_date(_field(block, 204, 16), "有效期截止日期", long_term=True),
        issuer=_field(block, 240, 8),
        name_en=name_en,
        nationality=nationality,
        photo_wlt=photo,
    )
