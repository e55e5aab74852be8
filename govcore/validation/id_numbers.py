"""公民身份号码 (GB 11643-1999): parsing, check digit and masking.

An 18-character number is six region digits, an eight-digit birth date
(YYYYMMDD), a three-digit sequence whose last digit is odd for men and even for
women, and a check character computed with ISO 7064 MOD 11-2.  The same layout
is used by Hong Kong, Macao and Taiwan residence permits (prefix 81, 82, 83)
and by the 2023 foreigner permanent residence card (prefix 9).

Legacy 15-digit numbers (GB 11643-1989) have a two-digit year and no check
character.  They are normalised by inserting ``19`` before the year and
appending the computed check character.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from govcore.validation.divisions import PROVINCE_CODES
from govcore.validation.invalid import InvalidValueError, accepts

__all__ = [
    "ID_WEIGHTS",
    "MIN_BIRTH_DATE",
    "IdNumberInfo",
    "IdNumberKind",
    "InvalidIdNumberError",
    "check_digit",
    "is_valid_id_number",
    "mask_id_number",
    "normalise_legacy15",
    "parse_id_number",
]

#: Weights of positions 1..17: 2**(18 - i) mod 11.
ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_MAP = "10X98765432"
_DIGITS = "0123456789"
_PERMIT_REGIONS = {"81": "810000", "82": "820000", "83": "830000"}

#: Earliest birth date accepted.
MIN_BIRTH_DATE = datetime.date(1850, 1, 1)


class IdNumberKind(StrEnum):
    """Which document family an ID number belongs to."""

    RESIDENT = "resident"
    HK_MO_TW = "hk_mo_tw"
    FOREIGNER_2023 = "foreigner_2023"


class InvalidIdNumberError(InvalidValueError):
    """A string that is not a valid ID number.

    ``reason`` is a short machine-readable cause: ``"type"``, ``"length"``,
    ``"character"``, ``"province"``, ``"region"``, ``"birth_date"``,
    ``"future_birth_date"``, ``"early_birth_date"`` or ``"check_digit"``.
    """

    code = "invalid_id_number"
    default_field = "id_number"


@dataclass(frozen=True)
class IdNumberInfo:
    """What can be read from a valid ID number.

    Per GB 11643 the region is where the number was first assigned; it does
    not follow the holder.  Use the household register for eligibility and the
    values here only to cross-check.
    """

    number: str
    kind: IdNumberKind
    region_code: str
    birth_date: datetime.date
    sex: Literal["M", "F"]
    legacy15: bool = False


def _fail(zh: str, en: str, reason: str) -> InvalidIdNumberError:
    return InvalidIdNumberError(f"{zh} ({en})", reason=reason)


def check_digit(body17: str) -> str:
    """Compute the GB 11643 check character of a 17-digit body.

    :param body17: the first 17 digits of an ID number.
    :returns: one of ``"0"``..``"9"`` or ``"X"``.
    :raises ValueError: when ``body17`` is not exactly 17 ASCII digits.
    """
    if len(body17) != 17 or any(char not in _DIGITS for char in body17):
        raise ValueError(f"expected 17 ASCII digits, got {body17!r}")
    total = sum(int(char) * weight for char, weight in zip(body17, ID_WEIGHTS))
    return _CHECK_MAP[total % 11]


def _check_characters(number: str, *, allow_x_last: bool) -> None:
    last = len(number)
    for index, char in enumerate(number, start=1):
        if char in _DIGITS:
            continue
        if allow_x_last and index == last:
            if char in "Xx":
                continue
            raise _fail(
                f"身份证号码第{index}位（校验码）应为数字或X，实际为{char!r}",
                f"check character at position {index} must be a digit or X, "
                f"got {char!r}",
                "character",
            )
        raise _fail(
            f"身份证号码第{index}位不是数字：{char!r}",
            f"non-digit {char!r} at position {index}",
            "character",
        )


def normalise_legacy15(value: str) -> str:
    """Turn a 15-digit GB 11643-1989 number into its 18-character form.

    ``19`` is inserted before the two-digit year and the check character is
    appended.  Only the characters are checked here; use
    :func:`parse_id_number` to validate the result.

    :param value: 15 digits, surrounding whitespace ignored.
    :returns: the 18-character number.
    :raises InvalidIdNumberError: when ``value`` is not 15 digits.
    """
    number = value.strip()
    if len(number) != 15:
        raise _fail(
            f"旧版身份证号码应为15位，实际为{len(number)}位",
            f"legacy ID number must have 15 digits, got {len(number)}",
            "length",
        )
    _check_characters(number, allow_x_last=False)
    body = number[:6] + "19" + number[6:]
    return body + check_digit(body)


def _classify(number: str, *, legacy15: bool) -> tuple[IdNumberKind, str]:
    prefix = number[:2]
    if not legacy15 and number[0] == "9":
        return IdNumberKind.FOREIGNER_2023, number[:6]
    if not legacy15 and prefix in _PERMIT_REGIONS:
        expected = _PERMIT_REGIONS[prefix]
        if number[:6] != expected:
            raise _fail(
                f"港澳台居民居住证号码的地址码应为{expected}，实际为{number[:6]}",
                f"HK/MO/TW permit numbers must start with {expected}, "
                f"got {number[:6]}",
                "region",
            )
        return IdNumberKind.HK_MO_TW, expected
    if prefix not in PROVINCE_CODES:
        raise _fail(
            f"身份证号码的省级地址码{prefix}不存在",
            f"unknown province code {prefix}",
            "province",
        )
    return IdNumberKind.RESIDENT, number[:6]


def _birth_date(digits: str, *, positions: str, today: datetime.date) -> datetime.date:
    try:
        born = datetime.date(int(digits[:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        raise _fail(
            f"身份证号码中的出生日期{digits}不是有效日期",
            f"invalid birth date {digits} at positions {positions}",
            "birth_date",
        ) from None
    if born > today:
        raise _fail(
            f"身份证号码中的出生日期{born.isoformat()}晚于今天",
            f"birth date {born.isoformat()} is in the future",
            "future_birth_date",
        )
    if born < MIN_BIRTH_DATE:
        raise _fail(
            f"身份证号码中的出生日期{born.isoformat()}早于1850-01-01",
            f"birth date {born.isoformat()} is before 1850-01-01",
            "early_birth_date",
        )
    return born


def parse_id_number(value: str, *, today: datetime.date | None = None) -> IdNumberInfo:
    """Validate an ID number and read what it encodes.

    Surrounding whitespace is ignored and a lower-case ``x`` is accepted.
    Checks, in order: length (18, or 15 for legacy numbers), characters,
    region (a province-level code for resident numbers, 810000/820000/830000
    for HK/MO/TW permits, nothing for the 2023 foreigner number), birth date
    (real, not after ``today``, not before 1850-01-01) and the check digit.

    :param value: the number as entered.
    :param today: the reference date for "not in the future"; defaults to
        :meth:`datetime.date.today`.
    :returns: the normalised number and its decoded fields.
    :raises InvalidIdNumberError: with a message saying what is wrong.
    """
    if not isinstance(value, str):
        raise _fail("身份证号码必须是字符串", "ID number must be a string", "type")
    raw = value.strip()
    if len(raw) == 18:
        _check_characters(raw, allow_x_last=True)
        number, legacy15, positions = raw.upper(), False, "7-14"
    elif len(raw) == 15:
        _check_characters(raw, allow_x_last=False)
        body = raw[:6] + "19" + raw[6:]
        number, legacy15, positions = body + check_digit(body), True, "7-12"
    else:
        raise _fail(
            f"身份证号码应为18位（或旧版15位），实际为{len(raw)}位",
            f"ID number must have 18 characters, or 15 for a legacy number, "
            f"got {len(raw)}",
            "length",
        )
    kind, region_code = _classify(number, legacy15=legacy15)
    birth_date = _birth_date(
        number[6:14],
        positions=positions,
        today=today if today is not None else datetime.date.today(),
    )
    expected = check_digit(number[:17])
    if number[17] != expected:
        raise _fail(
            f"身份证号码校验码错误：应为{expected}，实际为{number[17]}",
            f"wrong check digit: expected {expected}, got {number[17]}",
            "check_digit",
        )
    sex: Literal["M", "F"] = "M" if int(number[16]) % 2 == 1 else "F"
    return IdNumberInfo(
        number=number,
        kind=kind,
        region_code=region_code,
        birth_date=birth_date,
        sex=sex,
        legacy15=legacy15,
    )


def is_valid_id_number(value: str, *, today: datetime.date | None = None) -> bool:
    """Return whether :func:`parse_id_number` accepts ``value``.

    :param value: the number as entered.
    :param today: passed on to :func:`parse_id_number`.
    :returns: ``True`` when valid.
    """
    return accepts(parse_id_number, value, today=today)


def mask_id_number(number: str) -> str:
    """Mask an ID number for display, keeping the first and last four characters.

    ``"440507194401150010"`` becomes ``"4405**********0010"``.  Strings of eight
    characters or fewer are masked completely, so at most eight characters are
    ever shown.  The number is not validated.

    :param number: the number; surrounding whitespace is ignored.
    :returns: the masked string, as long as the stripped input.
    """
    text = number.strip().upper()
    if len(text) <= 8:
        return "*" * len(text)
    return text[:4] + "*" * (len(text) - 8) + text[-4:]
