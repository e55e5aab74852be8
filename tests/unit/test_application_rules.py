"""The state machine, form value checks and masking, without an app."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from govcore.applications.form import Subjects, clean_value
from govcore.applications.models import Status
from govcore.applications.transitions import TRANSITIONS, can_change
from govcore.catalog.schema import FieldType, FormField
from govcore.catalog.search import initials
from govcore.errors import ValidationError
from govcore.privacy import mask_account, mask_address, mask_name, mask_phone
from govcore.validation import check_digit, mask_id_number

TODAY = date(2026, 11, 28)


def test_only_listed_transitions_are_allowed() -> None:
    for a in Status:
        for b in Status:
            assert can_change(a, b) == ((a, b) in TRANSITIONS)
    assert not can_change(Status.DRAFT, Status.APPROVED)  # never skip submission
    assert not can_change(Status.REFUSED, Status.APPROVED)
    assert not any(a is Status.WITHDRAWN for a, _ in TRANSITIONS)  # terminal
    assert not any(b is Status.DRAFT for _, b in TRANSITIONS)  # no way back


def test_every_status_is_reachable_from_draft() -> None:
    reached, frontier = {Status.DRAFT}, [Status.DRAFT]
    while frontier:
        current = frontier.pop()
        for a, b in TRANSITIONS:
            if a is current and b not in reached:
                reached.add(b)
                frontier.append(b)
    assert reached == set(Status)


def _field(type_: FieldType, **extra) -> FormField:
    return FormField(key="f", label="字段", type=type_, **extra)


@pytest.mark.parametrize(
    ("type_", "raw", "expected"),
    [
        (FieldType.STRING, "  张三 ", "张三"),
        (FieldType.INTEGER, "3", 3),
        (FieldType.DECIMAL, 12.5, "12.50"),
        (FieldType.DECIMAL, "1e2", "100.00"),
        (FieldType.BOOLEAN, True, True),
        (FieldType.DATE, "2026-01-31", "2026-01-31"),
        (FieldType.PHONE, "+86 138 0013 8000", "13800138000"),
        (FieldType.ID_NUMBER, "11010519491231002x", "11010519491231002X"),
        (FieldType.DIVISION_CODE, "440507", "440507"),
        (FieldType.STRING, "", None),
    ],
)
def test_values_are_normalised(type_, raw, expected) -> None:
    assert clean_value(_field(type_), raw, today=TODAY) == expected


@pytest.mark.parametrize(
    ("type_", "raw"),
    [
        (FieldType.STRING, "x" * 101),
        (FieldType.STRING, "a\x00b"),
        (FieldType.STRING, 5),
        (FieldType.INTEGER, True),
        (FieldType.INTEGER, -1),
        (FieldType.INTEGER, "1.5"),
        (FieldType.DECIMAL, "NaN"),
        (FieldType.DECIMAL, "Infinity"),
        (FieldType.BOOLEAN, "yes"),
        (FieldType.DATE, "2026-02-30"),
        (FieldType.DATE, "1800-01-01"),
        (FieldType.PHONE, "12345"),
        (FieldType.ID_NUMBER, "110105194912310021"),
        (FieldType.CREDIT_CODE, "91440507MA4LH0022X"),
        (FieldType.DIVISION_CODE, "44050"),
    ],
)
def test_bad_values_name_the_field(type_, raw) -> None:
    with pytest.raises(ValidationError) as caught:
        clean_value(_field(type_), raw, today=TODAY)
    assert caught.value.field == "f"
    assert caught.value.message.startswith("字段：")


def test_enum_values_must_be_options() -> None:
    f = _field(FieldType.ENUM, options=["甲", "乙"])
    assert clean_value(f, "乙", today=TODAY) == "乙"
    with pytest.raises(ValidationError):
        clean_value(f, "丙", today=TODAY)


@given(
    st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(),
        st.text(),
        st.lists(st.integers()),
        st.dictionaries(st.text(), st.text()),
    )
)
def test_any_input_is_a_value_or_a_validation_error(raw) -> None:
    for type_ in FieldType:
        extra = {"options": ["甲"]} if type_ is FieldType.ENUM else {}
        try:
            clean_value(_field(type_, **extra), raw, today=TODAY)
        except ValidationError:
            pass


def test_organisation_paths_ask_about_the_organisation() -> None:
    subjects = Subjects(person="P", organisation="O")
    assert subjects.for_path("MR.entity.name") == "O"
    assert subjects.for_path("CON.safety_permit.no") == "O"
    assert subjects.for_path("HK.name") == "P"
    assert subjects.for_path("MR.entities.name") == "P"  # a person's businesses
    assert Subjects(person="P").for_path("MR.entity.name") is None


@given(
    st.from_regex(
        r"[1-6][0-9]{5}(19|20)[0-9]{2}(0[1-9]|1[0-2])(0[1-9]|1[0-9]|2[0-8])[0-9]{3}",
        fullmatch=True,
    )
)
def test_a_masked_id_number_shows_at_most_eight_characters(body) -> None:
    number = body + check_digit(body)
    masked = mask_id_number(number)
    assert len(masked) == 18
    assert sum(ch != "*" for ch in masked) <= 8
    assert masked[4:14] == "*" * 10


def test_masks() -> None:
    assert mask_name("欧阳娜娜") == "欧***"
    assert mask_name("陈") == "陈"
    assert mask_phone("13800138000") == "138****8000"
    assert mask_phone("0754-8800") == "*******00"
    assert mask_address("汕头市龙湖区金霞街道") == "汕头市龙湖区****"
    assert mask_account("6217000000001234") == "************1234"


def test_pinyin_initials() -> None:
    assert initials("高龄津贴") == "gljt"
    assert initials("无犯罪记录证明（个人）") == "wfzjlzmgr"
