"""Tests for :mod:`govcore.validation.id_numbers` (公民身份号码)."""

from __future__ import annotations

import datetime
import operator

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from govcore.errors import ValidationError
from govcore.validation import (
    PROVINCE_CODES,
    IdNumberKind,
    InvalidIdNumberError,
    check_digit,
    is_valid_id_number,
    mask_id_number,
    normalise_legacy15,
    parse_id_number,
)
from govcore.validation.id_numbers import ID_WEIGHTS

TODAY = datetime.date.today()
PROPERTY_SETTINGS = settings(max_examples=300, deadline=None, database=None)
ID_ALPHABET = "0123456789X"


# --------------------------------------------------------------------------
# Check digit
# --------------------------------------------------------------------------


def test_weights_are_powers_of_two_mod_11() -> None:
    assert ID_WEIGHTS == tuple(pow(2, 17 - i, 11) for i in range(17))


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("11010519491231002", "X"),  # the example from the standard, S = 167
        ("44052418800101001", "4"),
        ("44050719440115001", "0"),
        ("93268219850101001", "7"),
    ],
)
def test_check_digit_known_values(body: str, expected: str) -> None:
    assert check_digit(body) == expected


@pytest.mark.parametrize(
    "body", ["", "1101051949123100", "110105194912310021", "1101051949123100X"]
)
def test_check_digit_rejects_malformed_body(body: str) -> None:
    with pytest.raises(ValueError, match="17 ASCII digits"):
        check_digit(body)


def test_check_digit_rejects_non_ascii_digits() -> None:
    with pytest.raises(ValueError):
        check_digit("１1010519491231002")  # full-width 1


# --------------------------------------------------------------------------
# Known-good numbers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("number", "kind", "region", "born", "sex"),
    [
        ("11010519491231002X", IdNumberKind.RESIDENT, "110105", "1949-12-31", "F"),
        ("440524188001010014", IdNumberKind.RESIDENT, "440524", "1880-01-01", "M"),
        ("440507194401150010", IdNumberKind.RESIDENT, "440507", "1944-01-15", "M"),
        ("440507194401150029", IdNumberKind.RESIDENT, "440507", "1944-01-15", "F"),
        ("440507199007051236", IdNumberKind.RESIDENT, "440507", "1990-07-05", "M"),
        ("440511202303010032", IdNumberKind.RESIDENT, "440511", "2023-03-01", "M"),
        (
            "932682198501010017",
            IdNumberKind.FOREIGNER_2023,
            "932682",
            "1985-01-01",
            "M",
        ),
        (
            "911124198108030024",
            IdNumberKind.FOREIGNER_2023,
            "911124",
            "1981-08-03",
            "F",
        ),
    ],
)
def test_known_good_numbers(
    number: str, kind: IdNumberKind, region: str, born: str, sex: str
) -> None:
    info = parse_id_number(number)
    assert info.number == number
    assert info.kind is kind
    assert info.region_code == region
    assert info.birth_date == datetime.date.fromisoformat(born)
    assert info.sex == sex
    assert info.legacy15 is False
    assert is_valid_id_number(number)


def test_whitespace_and_lower_case_x_are_normalised() -> None:
    info = parse_id_number("  11010519491231002x\n")
    assert info.number == "11010519491231002X"


@pytest.mark.parametrize(
    ("prefix", "region"), [("81", "810000"), ("82", "820000"), ("83", "830000")]
)
def test_hk_mo_tw_permit_numbers(prefix: str, region: str) -> None:
    body = region + "19940823002"
    info = parse_id_number(body + check_digit(body))
    assert info.kind is IdNumberKind.HK_MO_TW
    assert info.region_code == region
    assert info.number.startswith(prefix)


def test_historic_shantou_region_is_still_a_valid_id() -> None:
    body = "44050819600101003"  # 440508 金园区, abolished but still in old IDs
    assert parse_id_number(body + check_digit(body)).region_code == "440508"


def test_birth_date_today_is_accepted_and_tomorrow_is_not() -> None:
    assert parse_id_number("440511202303010032", today=datetime.date(2023, 3, 1))
    with pytest.raises(InvalidIdNumberError) as excinfo:
        parse_id_number("440511202303010032", today=datetime.date(2023, 2, 28))
    assert excinfo.value.reason == "future_birth_date"


# --------------------------------------------------------------------------
# Known-bad numbers
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "reason", "fragment"),
    [
        ("110105194912310021", "check_digit", "expected X, got 1"),
        ("11010519491231002", "length", "got 17"),
        ("", "length", "got 0"),
        ("11010519491231002XX", "length", "got 19"),
        ("1101051949123100", "length", "实际为16位"),
        ("11010519491231X02X", "character", "non-digit 'X' at position 15"),
        ("1101051949123100 X", "character", "position 17"),
        ("A1010519491231002X", "character", "position 1"),
        ("11010519491231002Y", "character", "position 18"),
        ("１1010519491231002X", "character", "position 1"),  # full-width digit
        ("11010519491331002X", "birth_date", "invalid birth date 19491331"),
        ("110105194902300021", "birth_date", "19490230"),
        ("110105209912310021", "future_birth_date", "in the future"),
        ("110105184912310021", "early_birth_date", "before 1850-01-01"),
        ("990105194912310021", "check_digit", "expected"),  # 9 = foreigner
        ("100105194912310021", "province", "unknown province code 10"),
        ("160105194912310021", "province", "unknown province code 16"),
        ("720105194912310021", "province", "unknown province code 72"),
        ("840105194912310021", "province", "unknown province code 84"),
        ("811234199408230021", "region", "must start with 810000"),
        ("830001199408230021", "region", "must start with 830000"),
        ("44050744011500", "length", "got 14"),
        ("44050744011500X", "character", "position 15"),
        ("440507440230001", "birth_date", "positions 7-12"),
        ("810000940823002", "province", "unknown province code 81"),
        ("932682851010017", "province", "unknown province code 93"),
    ],
)
def test_known_bad_numbers(value: str, reason: str, fragment: str) -> None:
    with pytest.raises(InvalidIdNumberError) as excinfo:
        parse_id_number(value)
    error = excinfo.value
    assert isinstance(error, ValidationError)
    assert error.code == "invalid_id_number"
    assert error.reason == reason
    assert error.field == "id_number"
    assert fragment in error.message
    assert not is_valid_id_number(value)


def test_error_message_is_bilingual() -> None:
    with pytest.raises(InvalidIdNumberError) as excinfo:
        parse_id_number("110105194912310021")
    assert "校验码错误" in excinfo.value.message
    assert "wrong check digit" in excinfo.value.message


def test_non_string_is_rejected() -> None:
    with pytest.raises(InvalidIdNumberError):
        parse_id_number(110105194912310021)  # type: ignore[arg-type]
    assert not is_valid_id_number(None)  # type: ignore[arg-type]


# --------------------------------------------------------------------------
# Legacy 15-digit numbers
# --------------------------------------------------------------------------


def test_legacy_15_digit_example() -> None:
    # 440507 + (19)440115 + 001: the check digit computes to 0.
    assert normalise_legacy15("440507440115001") == "440507194401150010"
    info = parse_id_number(" 440507440115001 ")
    assert info.number == "440507194401150010"
    assert info.legacy15 is True
    assert info.birth_date == datetime.date(1944, 1, 15)
    assert info.sex == "M"
    assert info.kind is IdNumberKind.RESIDENT


def test_normalise_legacy15_rejects_other_lengths() -> None:
    with pytest.raises(InvalidIdNumberError) as excinfo:
        normalise_legacy15("440507194401150010")
    assert excinfo.value.reason == "length"


# --------------------------------------------------------------------------
# Properties
# --------------------------------------------------------------------------


def digit_strings(size: int) -> st.SearchStrategy[str]:
    """Strings of exactly ``size`` ASCII digits (cheaper than ``from_regex``)."""
    return st.integers(0, 10**size - 1).map(lambda n: str(n).zfill(size))


# Strategies are built once at module level: building them inside a
# ``@st.composite`` function re-validates them on every draw, which is slow.
region_codes = st.one_of(
    # resident: a province-level code plus any four digits
    st.builds(operator.add, st.sampled_from(sorted(PROVINCE_CODES)), digit_strings(4)),
    # HK / MO / TW residence permits
    st.sampled_from(["810000", "820000", "830000"]),
    # 2023 foreigner permanent residence number: positions 2-6 are not a region
    digit_strings(5).map(lambda rest: "9" + rest),
)
birth_dates = st.dates(min_value=datetime.date(1850, 1, 1), max_value=TODAY)
id_bodies = st.builds(
    lambda region, born, sequence: region + born.strftime("%Y%m%d") + sequence,
    region_codes,
    birth_dates,
    digit_strings(3),
)
valid_ids = id_bodies.map(lambda body: body + check_digit(body))


@PROPERTY_SETTINGS
@given(id_bodies)
def test_body_plus_check_digit_is_valid(body: str) -> None:
    info = parse_id_number(body + check_digit(body), today=TODAY)
    assert info.number[:17] == body
    assert info.birth_date.strftime("%Y%m%d") == body[6:14]
    assert info.sex == ("M" if int(body[16]) % 2 else "F")
    # Masking a valid number shows exactly the first and last four characters.
    assert mask_id_number(info.number) == body[:4] + "*" * 10 + info.number[-4:]


@PROPERTY_SETTINGS
@given(valid_ids, st.integers(0, 17), st.integers(1, len(ID_ALPHABET) - 1))
def test_any_single_substitution_is_rejected(
    number: str, position: int, shift: int
) -> None:
    # Shifting by 1..10 within the 11-character alphabet always gives a
    # different character, so no example is wasted on a no-op substitution.
    original = ID_ALPHABET.index(number[position])
    replacement = ID_ALPHABET[(original + shift) % len(ID_ALPHABET)]
    mutated = number[:position] + replacement + number[position + 1 :]
    assert not is_valid_id_number(mutated, today=TODAY)


@PROPERTY_SETTINGS
@given(valid_ids, st.integers(0, 16))
def test_any_adjacent_transposition_is_rejected(number: str, position: int) -> None:
    # MOD 11-2 catches every adjacent transposition: adjacent weights differ by a
    # factor 2 (check digit weight 1), so the sum changes by (a - b) * w, and
    # 11 is prime with |a - b| <= 10.
    first, second = number[position], number[position + 1]
    assume(first != second)
    mutated = number[:position] + second + first + number[position + 2 :]
    assert not is_valid_id_number(mutated, today=TODAY)


@PROPERTY_SETTINGS
@given(
    st.sampled_from(sorted(PROVINCE_CODES)),
    digit_strings(4),
    st.dates(datetime.date(1900, 1, 1), datetime.date(1999, 12, 31)),
    digit_strings(3),
)
def test_legacy15_normalisation(
    province: str, county: str, born: datetime.date, sequence: str
) -> None:
    legacy = province + county + born.strftime("%y%m%d") + sequence
    body = province + county + born.strftime("%Y%m%d") + sequence
    info = parse_id_number(legacy, today=TODAY)
    assert info.legacy15 is True
    assert info.number == body + check_digit(body)
    assert info.birth_date == born
    assert parse_id_number(info.number, today=TODAY).legacy15 is False
    assert normalise_legacy15(legacy) == info.number


# --------------------------------------------------------------------------
# Masking
# --------------------------------------------------------------------------


def test_mask_example() -> None:
    assert mask_id_number("440507194401150010") == "4405**********0010"
    assert mask_id_number(" 11010519491231002x ") == "1101**********002X"
    assert mask_id_number("440507440115001") == "4405*******5001"
    assert mask_id_number("12345678") == "********"
    assert mask_id_number("") == ""


@PROPERTY_SETTINGS
@given(st.text(alphabet=ID_ALPHABET, max_size=40))
def test_mask_never_shows_more_than_eight_characters(value: str) -> None:
    masked = mask_id_number(value)
    assert len(masked) == len(value)
    assert sum(char != "*" for char in masked) <= 8
    for shown, original in zip(masked, value):
        assert shown in ("*", original)
