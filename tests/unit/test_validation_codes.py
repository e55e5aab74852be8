"""Tests for credit codes, mobile numbers and division codes."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from govcore.errors import ValidationError
from govcore.validation import (
    DIVISION_PROVINCE_CODES,
    HISTORIC_CODES,
    KNOWN_NAMES,
    LONGHU_TOWNSHIPS,
    REGISTRATION_AUTHORITY_CODES,
    USCC_ALPHABET,
    InvalidCreditCodeError,
    InvalidDivisionCodeError,
    InvalidPhoneError,
    division_name,
    is_valid_credit_code,
    is_valid_division_code,
    is_valid_mobile,
    make_credit_code,
    mask_mobile,
    normalise_mobile,
    org_code_check_char,
    parse_credit_code,
    parse_division_code,
    uscc_check_char,
)
from govcore.validation.credit_codes import ORG_CODE_WEIGHTS, USCC_WEIGHTS

PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)


def digit_strings(size: int) -> st.SearchStrategy[str]:
    """Strings of exactly ``size`` ASCII digits (cheaper than ``from_regex``)."""
    return st.integers(0, 10**size - 1).map(lambda n: str(n).zfill(size))


def test_core_package_imports_no_web_framework() -> None:
    code = (
        "import sys, govcore.validation; "
        "bad = {'flask', 'werkzeug', 'marshmallow'} & set(sys.modules); "
        "sys.exit(1 if bad else 0)"
    )
    repo_root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo_root)


# ==========================================================================
# Unified social credit code (GB 32100)
# ==========================================================================


def test_uscc_constants() -> None:
    assert len(USCC_ALPHABET) == 31
    assert not set("IOSVZ") & set(USCC_ALPHABET)
    assert USCC_WEIGHTS == (
        1,
        3,
        9,
        27,
        19,
        26,
        16,
        17,
        20,
        29,
        25,
        13,
        8,
        24,
        10,
        30,
        28,
    )
    assert ORG_CODE_WEIGHTS == (3, 7, 9, 10, 5, 8, 4, 2)


def test_check_characters_of_worked_example() -> None:
    assert uscc_check_char("91350100M000100Y4") == "3"
    assert org_code_check_char("M000100Y") == "4"


@pytest.mark.parametrize(
    ("body8", "expected"),
    [
        ("M000100Y", "4"),
        ("70846113", "6"),
        ("55138508", "2"),
    ],
)
def test_org_code_check_char(body8: str, expected: str) -> None:
    assert org_code_check_char(body8) == expected


def test_org_code_check_char_maps_10_to_x_and_11_to_0() -> None:
    # Search small bodies for each remainder, then check the mapping.
    seen: dict[str, str] = {}
    for number in range(200):
        body = f"{number:08d}"
        total = sum(int(c) * w for c, w in zip(body, ORG_CODE_WEIGHTS))
        seen.setdefault(str(total % 11), body)
    assert org_code_check_char(seen["1"]) == "X"
    assert org_code_check_char(seen["0"]) == "0"


@pytest.mark.parametrize("body", ["", "M000100", "M000100Y1", "m000100Y", "M000-00Y"])
def test_org_code_check_char_rejects_malformed_body(body: str) -> None:
    with pytest.raises(ValueError):
        org_code_check_char(body)


@pytest.mark.parametrize("body", ["", "91350100M000100Y", "91350100M000100I4"])
def test_uscc_check_char_rejects_malformed_body(body: str) -> None:
    with pytest.raises(ValueError):
        uscc_check_char(body)


@pytest.mark.parametrize(
    ("code", "region", "org_code"),
    [
        ("91350100M000100Y43", "350100", "M000100Y4"),
        ("91440300708461136T", "440300", "708461136"),
        ("91110108551385082Q", "110108", "551385082"),
    ],
)
def test_known_good_credit_codes(code: str, region: str, org_code: str) -> None:
    info = parse_credit_code(code)
    assert info.code == code
    assert info.registration_authority == "9"
    assert info.registration_authority_name == "工商"
    assert info.org_type == "1"
    assert info.region_code == region
    assert info.org_code == org_code
    assert is_valid_credit_code(code)


def test_credit_code_whitespace_and_lower_case() -> None:
    assert parse_credit_code(" 91350100m000100y43\t").code == "91350100M000100Y43"


def _with_uscc_check(body17: str) -> str:
    return body17 + uscc_check_char(body17)


@pytest.mark.parametrize(
    ("value", "reason", "fragment"),
    [
        ("91350100M000100Y44", "check_char", "expected 3, got 4"),
        ("91350100M000100Y4", "length", "got 17"),
        ("91350100M000100Y433", "length", "实际为19位"),
        ("", "length", "got 0"),
        ("91350100M000100I43", "character", "I, O, S, V and Z are not used"),
        ("91350100M0001O0Y43", "character", "position 14"),
        ("91350100M000100Y4-", "character", "invalid character '-' at position 18"),
        ("B1350100M000100Y43", "authority", "unknown registration authority"),
        ("91A50100M000100Y43", "region", "positions 3-8"),
        (_with_uscc_check("91350100M000100Y5"), "org_code_check_char", "expected 4"),
        (_with_uscc_check("91350100M000100YX"), "org_code_check_char", "got X"),
    ],
)
def test_known_bad_credit_codes(value: str, reason: str, fragment: str) -> None:
    with pytest.raises(InvalidCreditCodeError) as excinfo:
        parse_credit_code(value)
    error = excinfo.value
    assert isinstance(error, ValidationError)
    assert error.code == "invalid_credit_code"
    assert error.reason == reason
    assert error.field == "credit_code"
    assert fragment in error.message
    assert not is_valid_credit_code(value)


def test_make_credit_code_reproduces_sample() -> None:
    assert make_credit_code("9", "1", "350100", "M000100Y") == "91350100M000100Y43"


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (("B", "1", "440507", "12345678"), "authority"),
        (("9", "I", "440507", "12345678"), "organisation type"),
        (("9", "12", "440507", "12345678"), "organisation type"),
        (("9", "1", "44050", "12345678"), "region code"),
        (("9", "1", "44050A", "12345678"), "region code"),
        (("9", "1", "440507", "1234567"), "serial"),
        (("9", "1", "440507", "1234567O"), "serial"),
    ],
)
def test_make_credit_code_rejects_bad_arguments(
    args: tuple[str, str, str, str], fragment: str
) -> None:
    with pytest.raises(ValueError, match=fragment):
        make_credit_code(*args)


def test_uscc_check_detects_every_adjacent_transposition_algebraically() -> None:
    # The code is valid iff sum(v_i * w_i) + v_18 == 0 (mod 31), i.e. the check
    # character has weight 1.  Swapping positions i, i+1 changes the sum by
    # (a - b) * (w_i - w_{i+1}); 31 is prime and 0 < |a - b| <= 30, so the swap
    # is caught exactly when the two weights differ mod 31.  They all do
    # (w_{i+1} = 3 * w_i, and w_17 = 28 != 1), so the USCC check alone catches
    # every adjacent transposition, including those inside the organisation
    # code and the one that moves the check character.
    weights = list(USCC_WEIGHTS) + [1]
    assert all((weights[i] - weights[i + 1]) % 31 for i in range(17))


alphabet_chars = st.sampled_from(USCC_ALPHABET)
serials = st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8)


authorities = st.sampled_from(sorted(REGISTRATION_AUTHORITY_CODES))
credit_codes = st.builds(
    make_credit_code, authorities, alphabet_chars, digit_strings(6), serials
)


@PROPERTY_SETTINGS
@given(authorities, alphabet_chars, digit_strings(6), serials)
def test_made_codes_are_valid(
    authority: str, org_type: str, region: str, serial: str
) -> None:
    code = make_credit_code(authority, org_type, region, serial)
    info = parse_credit_code(code)
    assert info.code == code
    assert (info.registration_authority, info.org_type) == (authority, org_type)
    assert info.region_code == region
    assert info.org_code[:8] == serial


@PROPERTY_SETTINGS
@given(credit_codes, st.integers(0, 17), st.integers(1, len(USCC_ALPHABET) - 1))
def test_any_single_substitution_in_credit_code_is_rejected(
    code: str, position: int, shift: int
) -> None:
    # A shift of 1..30 within the alphabet always yields a different character.
    original = USCC_ALPHABET.index(code[position])
    replacement = USCC_ALPHABET[(original + shift) % len(USCC_ALPHABET)]
    mutated = code[:position] + replacement + code[position + 1 :]
    assert not is_valid_credit_code(mutated)


@PROPERTY_SETTINGS
@given(credit_codes, st.integers(0, 16))
def test_any_adjacent_transposition_in_credit_code_is_rejected(
    code: str, position: int
) -> None:
    first, second = code[position], code[position + 1]
    assume(first != second)
    mutated = code[:position] + second + first + code[position + 2 :]
    assert not is_valid_credit_code(mutated)


# ==========================================================================
# Mobile numbers
# ==========================================================================


@pytest.mark.parametrize(
    "value",
    [
        "13812345678",
        " 13812345678 ",
        "138 1234 5678",
        "138-1234-5678",
        "+8613812345678",
        "+86 138 1234 5678",
        "+86-138-1234-5678",
        "0086 13812345678",
        "008613812345678",
        "8613812345678",
        "86 138 1234 5678",
    ],
)
def test_normalise_mobile_accepts_common_forms(value: str) -> None:
    assert normalise_mobile(value) == "13812345678"
    assert is_valid_mobile(value)


@pytest.mark.parametrize(
    ("value", "reason", "fragment"),
    [
        ("", "length", "got 0"),
        ("1381234567", "length", "got 10"),
        ("138123456789", "length", "got 12"),
        ("+8612812345678", "prefix", "got 12"),
        ("23812345678", "prefix", "got 23"),
        ("10012345678", "prefix", "got 10"),
        ("1381234567a", "character", "'a'"),
        ("(138)12345678", "character", "'('"),
        ("+1 415 555 0100", "country_code", "+86"),
        ("+852 9123 4567", "country_code", "+86"),
        ("138\t1234\t5678", "character", "'\\t'"),
        ("１３８12345678", "character", "'１'"),
    ],
)
def test_normalise_mobile_rejects(value: str, reason: str, fragment: str) -> None:
    with pytest.raises(InvalidPhoneError) as excinfo:
        normalise_mobile(value)
    error = excinfo.value
    assert isinstance(error, ValidationError)
    assert error.code == "invalid_phone"
    assert error.reason == reason
    assert fragment in error.message
    assert not is_valid_mobile(value)


def test_mask_mobile() -> None:
    assert mask_mobile("13812345678") == "138****5678"
    assert mask_mobile("+86 138-1234-5678") == "138****5678"
    with pytest.raises(InvalidPhoneError):
        mask_mobile("12345")


mobiles = st.builds(
    lambda second, rest: "1" + second + rest,
    st.sampled_from("3456789"),
    digit_strings(9),
)


separators = st.sampled_from(["", " ", "-"])


@PROPERTY_SETTINGS
@given(
    mobiles,
    st.sampled_from(["", "+86", "86", "0086", "+86 ", "0086-"]),
    separators,
    separators,
)
def test_formatted_mobiles_normalise_back(
    number: str, prefix: str, first: str, second: str
) -> None:
    decorated = prefix + number[:3] + first + number[3:7] + second + number[7:]
    assert normalise_mobile(decorated) == number
    masked = mask_mobile(decorated)
    assert masked == number[:3] + "****" + number[7:]


# ==========================================================================
# Division codes
# ==========================================================================


@pytest.mark.parametrize(
    ("code", "level", "city", "county"),
    [
        ("440000", "province", None, None),
        ("440500", "city", "4405", None),
        ("440507", "county", "4405", "440507"),
        ("440523", "county", "4405", "440523"),
        ("440507001", "township", "4405", "440507"),
        ("440507101", "township", "4405", "440507"),
        ("440507002002", "village", "4405", "440507"),
        ("441900003", "township", "4419", None),  # 东莞: no county level
        ("810000", "province", None, None),
        ("820000", "province", None, None),
        ("710000", "province", None, None),
        ("429004", "county", "4290", "429004"),
    ],
)
def test_parse_division_code(
    code: str, level: str, city: str | None, county: str | None
) -> None:
    division = parse_division_code(code)
    assert division.code == code
    assert division.level == level
    assert division.province == code[:2]
    assert division.city == city
    assert division.county == county
    assert is_valid_division_code(code)


def test_division_township_and_name() -> None:
    village = parse_division_code(" 440507002002 ")
    assert village.township == "440507002"
    assert village.name is None
    assert parse_division_code("440507").name == "龙湖区"
    assert parse_division_code("440508").is_historic
    assert not parse_division_code("440507").is_historic


@pytest.mark.parametrize(
    ("value", "reason", "fragment"),
    [
        ("", "length", "got 0"),
        ("4405", "length", "got 4"),
        ("4405070", "length", "got 7"),
        ("44050A", "character", "position 6"),
        ("990000", "province", "unknown province code 99"),
        ("830000", "province", "unknown province code 83"),
        ("100000", "province", "unknown province code 10"),
        ("440007", "structure", "city part 00"),
        ("440507000", "structure", "township part must not be 000"),
        ("440507001000", "structure", "village part must not be 000"),
    ],
)
def test_parse_division_code_rejects(value: str, reason: str, fragment: str) -> None:
    with pytest.raises(InvalidDivisionCodeError) as excinfo:
        parse_division_code(value)
    error = excinfo.value
    assert isinstance(error, ValidationError)
    assert error.code == "invalid_division_code"
    assert error.reason == reason
    assert fragment in error.message
    assert not is_valid_division_code(value)


def test_known_names_table() -> None:
    assert division_name("440000") == "广东省"
    assert division_name("440500") == "汕头市"
    assert division_name("440507") == "龙湖区"
    assert division_name("440507100") == "外砂镇"
    assert division_name("440509") == "升平区"
    assert division_name("999999") is None
    assert division_name(None) is None  # type: ignore[arg-type]
    assert HISTORIC_CODES == {"440506", "440508", "440509"}
    assert HISTORIC_CODES <= set(KNOWN_NAMES)
    for code in KNOWN_NAMES:
        assert is_valid_division_code(code)


def test_longhu_townships() -> None:
    assert len(LONGHU_TOWNSHIPS) == 7
    kinds = [kind for _code, _name, kind in LONGHU_TOWNSHIPS]
    assert kinds.count("街道") == 5
    assert kinds.count("镇") == 2
    for code, name, kind in LONGHU_TOWNSHIPS:
        assert name.endswith(kind)
        assert KNOWN_NAMES[code] == name
        division = parse_division_code(code)
        assert division.level == "township"
        assert division.county == "440507"


@PROPERTY_SETTINGS
@given(
    st.sampled_from(sorted(DIVISION_PROVINCE_CODES)),
    digit_strings(4),
)
def test_six_digit_levels(province: str, rest: str) -> None:
    code = province + rest
    if rest[:2] == "00" and rest[2:] != "00":
        assert not is_valid_division_code(code)
        return
    division = parse_division_code(code)
    expected = (
        "province" if rest == "0000" else "city" if rest.endswith("00") else "county"
    )
    assert division.level == expected
    for prefix in (division.city, division.county):
        assert prefix is None or code.startswith(prefix)
