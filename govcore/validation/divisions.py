"""Administrative division codes (GB/T 2260 and the NBS statistical codes).

A GB/T 2260 code has six digits: two for the province, two for the city
(prefecture) and two for the county.  The National Bureau of Statistics
extends it with three digits for the township (乡镇/街道, nine digits in all)
and three for the village or community (村/居委会, twelve digits in all).

Only the structure of a code is checked here.  :data:`KNOWN_NAMES` is a small
table for the divisions this deployment serves; it is not a full gazetteer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from govcore.validation.invalid import InvalidValueError, accepts

__all__ = [
    "DIVISION_PROVINCE_CODES",
    "HISTORIC_CODES",
    "KNOWN_NAMES",
    "LONGHU_TOWNSHIPS",
    "PROVINCE_CODES",
    "DivisionCode",
    "DivisionLevel",
    "InvalidDivisionCodeError",
    "division_name",
    "is_valid_division_code",
    "parse_division_code",
]

DivisionLevel = Literal["province", "city", "county", "township", "village"]

#: Two-digit province-level codes of the mainland (11–65) and Taiwan (71).
#: These are also the codes that may open a resident ID number.
PROVINCE_CODES: frozenset[str] = frozenset(
    {"11", "12", "13", "14", "15"}
    | {"21", "22", "23"}
    | {"31", "32", "33", "34", "35", "36", "37"}
    | {"41", "42", "43", "44", "45", "46"}
    | {"50", "51", "52", "53", "54"}
    | {"61", "62", "63", "64", "65"}
    | {"71"}
)

#: Province parts accepted in a division code: :data:`PROVINCE_CODES` plus the
#: Hong Kong (81) and Macao (82) special administrative regions.
DIVISION_PROVINCE_CODES: frozenset[str] = PROVINCE_CODES | {"81", "82"}

#: 龙湖区 townships: (nine-digit code, name, kind).  Five 街道 and two 镇.
LONGHU_TOWNSHIPS: tuple[tuple[str, str, str], ...] = (
    ("440507001", "金霞街道", "街道"),
    ("440507002", "龙祥街道", "街道"),
    ("440507003", "鸥汀街道", "街道"),
    ("440507004", "新津街道", "街道"),
    ("440507005", "珠池街道", "街道"),
    ("440507100", "外砂镇", "镇"),
    ("440507101", "新溪镇", "镇"),
)

#: Former Shantou district codes.  They no longer name a current division but
#: still appear in the ID numbers of older residents.
HISTORIC_CODES: frozenset[str] = frozenset({"440506", "440508", "440509"})

#: Names of the divisions this deployment needs, current and historic.
KNOWN_NAMES: dict[str, str] = {
    "440000": "广东省",
    "440500": "汕头市",
    "440507": "龙湖区",
    "440511": "金平区",
    "440512": "濠江区",
    "440513": "潮阳区",
    "440514": "潮南区",
    "440515": "澄海区",
    "440523": "南澳县",
    **{code: name for code, name, _kind in LONGHU_TOWNSHIPS},
    "440506": "达濠区",
    "440508": "金园区",
    "440509": "升平区",
}

_DIGITS = "0123456789"


class InvalidDivisionCodeError(InvalidValueError):
    """A string that is not a well-formed administrative division code."""

    code = "invalid_division_code"
    default_field = "division_code"


@dataclass(frozen=True)
class DivisionCode:
    """A parsed division code.

    ``province`` is the two-digit prefix, ``city`` the four-digit prefix and
    ``county`` the six-digit prefix, each ``None`` when the code stops above
    that level.  ``county`` is also ``None`` for townships that belong directly
    to a city without counties (e.g. 东莞 441900003): their county part is 00.
    ``township`` is the nine-digit prefix of township and village codes.
    """

    code: str
    level: DivisionLevel
    province: str
    city: str | None
    county: str | None
    township: str | None = None

    @property
    def name(self) -> str | None:
        """Name from :data:`KNOWN_NAMES`, or ``None`` when not in the table."""
        return KNOWN_NAMES.get(self.code)

    @property
    def is_historic(self) -> bool:
        """Whether the six-digit part is a former code (:data:`HISTORIC_CODES`)."""
        return self.code[:6] in HISTORIC_CODES


def _fail(zh: str, en: str, reason: str) -> InvalidDivisionCodeError:
    return InvalidDivisionCodeError(f"{zh} ({en})", reason=reason)


def _check_form(code: str) -> None:
    """Check length, characters and the province part of a stripped code."""
    if len(code) not in (6, 9, 12):
        raise _fail(
            f"行政区划代码应为6位、9位或12位数字，实际为{len(code)}位",
            f"division code must have 6, 9 or 12 digits, got {len(code)}",
            "length",
        )
    for index, char in enumerate(code, start=1):
        if char not in _DIGITS:
            raise _fail(
                f"行政区划代码第{index}位不是数字：{char!r}",
                f"non-digit {char!r} at position {index} of the division code",
                "character",
            )
    if code[:2] not in DIVISION_PROVINCE_CODES:
        raise _fail(
            f"未知的省级行政区划代码：{code[:2]}",
            f"unknown province code {code[:2]}",
            "province",
        )
    if code[2:4] == "00" and code[4:6] != "00":
        raise _fail(
            f"行政区划代码{code[:6]}的地市部分为00但区县部分不为00",
            f"code {code[:6]} has city part 00 but county part {code[4:6]}",
            "structure",
        )
    if len(code) >= 9 and code[6:9] == "000":
        raise _fail(
            f"乡镇部分不能为000，请使用6位代码{code[:6]}",
            f"township part must not be 000; use the 6-digit code {code[:6]}",
            "structure",
        )
    if len(code) == 12 and code[9:12] == "000":
        raise _fail(
            f"村级部分不能为000，请使用9位代码{code[:9]}",
            f"village part must not be 000; use the 9-digit code {code[:9]}",
            "structure",
        )


def _level(code: str) -> DivisionLevel:
    if len(code) == 12:
        return "village"
    if len(code) == 9:
        return "township"
    if code[2:6] == "0000":
        return "province"
    if code[4:6] == "00":
        return "city"
    return "county"


def parse_division_code(value: str) -> DivisionCode:
    """Parse and check a 6-, 9- or 12-digit division code.

    Surrounding whitespace is ignored.  A six-digit code ending in ``0000`` is
    province level, one ending in ``00`` city level, any other county level.
    Nine digits are a township and twelve a village; their last three digits
    must not be ``000`` (that is the zero-padded form of a higher level).

    :param value: the code as entered.
    :returns: the parsed :class:`DivisionCode`.
    :raises InvalidDivisionCodeError: when the length, characters, province
        part or structure is wrong.
    """
    if not isinstance(value, str):
        raise _fail(
            "行政区划代码必须是字符串", "division code must be a string", "type"
        )
    code = value.strip()
    _check_form(code)
    return DivisionCode(
        code=code,
        level=_level(code),
        province=code[:2],
        city=None if code[2:4] == "00" else code[:4],
        county=None if code[4:6] == "00" else code[:6],
        township=code[:9] if len(code) >= 9 else None,
    )


def is_valid_division_code(value: str) -> bool:
    """Return whether :func:`parse_division_code` accepts ``value``.

    :param value: the code as entered.
    :returns: ``True`` when well formed.
    """
    return accepts(parse_division_code, value)


def division_name(code: str) -> str | None:
    """Look up the name of a division in :data:`KNOWN_NAMES`.

    :param code: a 6- or 9-digit code; surrounding whitespace is ignored.
    :returns: the Chinese name, or ``None`` when the code is not in the table.
    """
    if not isinstance(code, str):
        return None
    return KNOWN_NAMES.get(code.strip())
