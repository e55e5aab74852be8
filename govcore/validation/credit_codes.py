"""统一社会信用代码 (GB 32100-2015): parsing, check characters and building.

An 18-character code is:

* position 1: registration authority (登记管理部门代码);
* position 2: organisation type (机构类别代码), defined per authority;
* positions 3–8: the registering authority's division code (GB/T 2260);
* positions 9–17: the GB 11714 organisation code (主体标识码), whose last
  character is its own MOD 11 check character;
* position 18: the check character over positions 1–17, MOD 31.

All characters come from the 31-character alphabet
``0123456789ABCDEFGHJKLMNPQRTUWXY`` (no I, O, S, V or Z).
"""

from __future__ import annotations

from dataclasses import dataclass

from govcore.validation.invalid import InvalidValueError, accepts

__all__ = [
    "ORG_CODE_WEIGHTS",
    "REGISTRATION_AUTHORITY_CODES",
    "REGISTRATION_AUTHORITY_NAMES",
    "USCC_ALPHABET",
    "USCC_WEIGHTS",
    "CreditCodeInfo",
    "InvalidCreditCodeError",
    "is_valid_credit_code",
    "make_credit_code",
    "org_code_check_char",
    "parse_credit_code",
    "uscc_check_char",
]

#: The 31 characters a credit code may use; a character's value is its index.
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_VALUES = {char: index for index, char in enumerate(USCC_ALPHABET)}

#: Weights of positions 1..17: 3**(i - 1) mod 31.
USCC_WEIGHTS: tuple[int, ...] = tuple(pow(3, i, 31) for i in range(17))

#: GB 11714 weights of the eight organisation-code body characters.
ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)

#: Registration authority codes accepted in position 1.
REGISTRATION_AUTHORITY_CODES: frozenset[str] = frozenset("123456789ANY")

#: Names of the authorities this project relies on.  The other codes are
#: accepted, but the public sources disagree on their names, so none is given.
REGISTRATION_AUTHORITY_NAMES: dict[str, str] = {
    "1": "机构编制",
    "5": "民政",
    "9": "工商",
    "Y": "其他",
}

_DIGITS = "0123456789"
_EXCLUDED = "IOSVZ"


class InvalidCreditCodeError(InvalidValueError):
    """A string that is not a valid unified social credit code.

    ``reason`` is a short machine-readable cause: ``"type"``, ``"length"``,
    ``"character"``, ``"authority"``, ``"region"``, ``"check_char"`` or
    ``"org_code_check_char"``.
    """

    code = "invalid_credit_code"
    default_field = "credit_code"


@dataclass(frozen=True)
class CreditCodeInfo:
    """The parts of a valid credit code.

    ``org_code`` is the nine-character organisation code (positions 9–17),
    including its check character.
    """

    code: str
    registration_authority: str
    org_type: str
    region_code: str
    org_code: str

    @property
    def registration_authority_name(self) -> str | None:
        """Name of the registration authority, when known."""
        return REGISTRATION_AUTHORITY_NAMES.get(self.registration_authority)


def _fail(zh: str, en: str, reason: str) -> InvalidCreditCodeError:
    return InvalidCreditCodeError(f"{zh} ({en})", reason=reason)


def uscc_check_char(body17: str) -> str:
    """Compute the GB 32100 check character (position 18).

    :param body17: positions 1–17, upper case, from :data:`USCC_ALPHABET`.
    :returns: the check character, from :data:`USCC_ALPHABET`.
    :raises ValueError: when ``body17`` is not 17 alphabet characters.
    """
    if len(body17) != 17 or any(char not in _VALUES for char in body17):
        raise ValueError(f"expected 17 credit-code characters, got {body17!r}")
    total = sum(_VALUES[char] * weight for char, weight in zip(body17, USCC_WEIGHTS))
    return USCC_ALPHABET[(31 - total % 31) % 31]


def _org_value(char: str) -> int:
    if char in _DIGITS:
        return int(char)
    return ord(char) - ord("A") + 10


def org_code_check_char(body8: str) -> str:
    """Compute the GB 11714 organisation-code check character.

    Digits count as their value and letters as A=10 … Z=35.  With S the
    weighted sum, C = 11 − (S mod 11); 10 is written ``X`` and 11 ``0``.

    :param body8: the eight body characters, digits or upper-case ``A``–``Z``.
    :returns: ``"0"``–``"9"`` or ``"X"``.
    :raises ValueError: when ``body8`` is not eight digits or capitals.
    """
    if len(body8) != 8 or any(
        not ("0" <= char <= "9" or "A" <= char <= "Z") for char in body8
    ):
        raise ValueError(f"expected 8 digits or capital letters, got {body8!r}")
    total = sum(_org_value(char) * w for char, w in zip(body8, ORG_CODE_WEIGHTS))
    check = 11 - total % 11
    if check == 10:
        return "X"
    if check == 11:
        return "0"
    return str(check)


def parse_credit_code(value: str) -> CreditCodeInfo:
    """Validate a unified social credit code and split it into its parts.

    Surrounding whitespace is ignored and lower-case letters are accepted.
    Checks, in order: length, alphabet, registration authority, the division
    digits, the check character (position 18) and the organisation-code check
    character (position 17).  The organisation type and the division code are
    only checked for form, not against a table.

    :param value: the code as entered.
    :returns: the normalised code and its parts.
    :raises InvalidCreditCodeError: with a message saying what is wrong.
    """
    if not isinstance(value, str):
        raise _fail(
            "统一社会信用代码必须是字符串", "credit code must be a string", "type"
        )
    raw = value.strip()
    if len(raw) != 18:
        raise _fail(
            f"统一社会信用代码应为18位，实际为{len(raw)}位",
            f"credit code must have 18 characters, got {len(raw)}",
            "length",
        )
    code = raw.upper()
    for index, char in enumerate(code, start=1):
        if char in _VALUES:
            continue
        if char in _EXCLUDED:
            raise _fail(
                f"统一社会信用代码第{index}位为{raw[index - 1]!r}，"
                "代码中不使用字母I、O、S、V、Z",
                f"character {raw[index - 1]!r} at position {index}: "
                "the letters I, O, S, V and Z are not used",
                "character",
            )
        raise _fail(
            f"统一社会信用代码第{index}位含无效字符{raw[index - 1]!r}",
            f"invalid character {raw[index - 1]!r} at position {index}",
            "character",
        )
    if code[0] not in REGISTRATION_AUTHORITY_CODES:
        raise _fail(
            f"未知的登记管理部门代码：{code[0]}",
            f"unknown registration authority code {code[0]!r} at position 1",
            "authority",
        )
    region = code[2:8]
    if any(char not in _DIGITS for char in region):
        raise _fail(
            f"统一社会信用代码第3–8位应为行政区划代码（6位数字），实际为{region}",
            f"positions 3-8 must be a 6-digit division code, got {region}",
            "region",
        )
    expected = uscc_check_char(code[:17])
    if code[17] != expected:
        raise _fail(
            f"统一社会信用代码校验码错误：应为{expected}，实际为{code[17]}",
            f"wrong check character: expected {expected}, got {code[17]}",
            "check_char",
        )
    expected_org = org_code_check_char(code[8:16])
    if code[16] != expected_org:
        raise _fail(
            f"组织机构代码（第9–17位）校验码错误：应为{expected_org}，实际为{code[16]}",
            f"wrong organisation-code check character at position 17: "
            f"expected {expected_org}, got {code[16]}",
            "org_code_check_char",
        )
    return CreditCodeInfo(
        code=code,
        registration_authority=code[0],
        org_type=code[1],
        region_code=region,
        org_code=code[8:17],
    )


def is_valid_credit_code(value: str) -> bool:
    """Return whether :func:`parse_credit_code` accepts ``value``.

    :param value: the code as entered.
    :returns: ``True`` when valid.
    """
    return accepts(parse_credit_code, value)


def make_credit_code(
    authority: str, org_type: str, region_code: str, serial8: str
) -> str:
    """Build a valid credit code, computing both check characters.

    Meant for synthetic data: the result passes :func:`parse_credit_code` but
    names no real organisation.

    :param authority: registration authority, one of
        :data:`REGISTRATION_AUTHORITY_CODES`.
    :param org_type: organisation type, one character of :data:`USCC_ALPHABET`.
    :param region_code: six-digit division code.
    :param serial8: the eight organisation-code body characters, from
        :data:`USCC_ALPHABET`.
    :returns: the 18-character code.
    :raises ValueError: when an argument has the wrong form.
    """
    if authority not in REGISTRATION_AUTHORITY_CODES:
        raise ValueError(f"unknown registration authority {authority!r}")
    if len(org_type) != 1 or org_type not in _VALUES:
        raise ValueError(
            f"organisation type must be one alphabet character, got {org_type!r}"
        )
    if len(region_code) != 6 or any(char not in _DIGITS for char in region_code):
        raise ValueError(f"region code must be 6 digits, got {region_code!r}")
    if len(serial8) != 8 or any(char not in _VALUES for char in serial8):
        raise ValueError(f"serial must be 8 alphabet characters, got {serial8!r}")
    body = authority + org_type + region_code + serial8 + org_code_check_char(serial8)
    return body + uscc_check_char(body)
