"""The application form: prefilling from shared data and checking entered values.

Values are stored as JSON: dates as ISO strings, decimals as strings (so no
binary rounding), integers and booleans as themselves.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from govcore.catalog.schema import FieldType, FormField
from govcore.datahub import DataLookup, NoRecordError, SourceUnavailableError
from govcore.datahub import is_organisation_path
from govcore.datahub.ports import HolderMismatchError, Provenance
from govcore.errors import ValidationError
from govcore.validation import (
    InvalidValueError,
    normalise_mobile,
    parse_credit_code,
    parse_division_code,
    parse_id_number,
)

MAX_LENGTH = {FieldType.STRING: 100, FieldType.ADDRESS: 200, FieldType.TEXT: 2000}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


@dataclass(frozen=True)
class Prefill:
    """What shared data said for one field."""

    value: Any
    provenance: Provenance | None
    choices: list[Any] | None = None
    problem: str | None = None  # no_record, source_unavailable, holder_mismatch


@dataclass(frozen=True)
class Subjects:
    """Whom shared data is asked about: the person, and the organisation if any."""

    person: str
    organisation: str | None = None

    def for_path(self, path: str) -> str | None:
        return self.organisation if is_organisation_path(path) else self.person


def prefill_field(
    form_field: FormField, subjects: Subjects, lookup: DataLookup
) -> Prefill:
    """Read ``form_field``'s prefill source; never invent a value.

    A list (several birth certificates, several properties) with one distinct
    value fills the field; with several, they become the choices offered.
    """
    assert form_field.prefill is not None
    subject = subjects.for_path(form_field.prefill)
    if subject is None:
        return Prefill(None, None, problem="no_record")
    try:
        found = lookup.value(form_field.prefill, subject)
    except HolderMismatchError:
        return Prefill(None, None, problem="holder_mismatch")
    except SourceUnavailableError:
        return Prefill(None, None, problem="source_unavailable")
    except NoRecordError:
        return Prefill(None, None, problem="no_record")
    value = found.value
    if isinstance(value, list):
        distinct = [
            v for i, v in enumerate(value) if v is not None and v not in value[:i]
        ]
        if len(distinct) != 1:
            choices = [_json_value(form_field, v) for v in distinct] or None
            return Prefill(None, found.provenance, choices=choices)
        value = distinct[0]
    if value is None or value == "":
        return Prefill(None, found.provenance, problem="no_value")
    return Prefill(_json_value(form_field, value), found.provenance)


def _json_value(form_field: FormField, value: Any) -> Any:
    """Shared data as the form stores it (dates of datetimes for date fields)."""
    if isinstance(value, (date, datetime)):
        value = value.isoformat()
    if form_field.type is FieldType.DATE and isinstance(value, str):
        return value[:10]
    if form_field.type is FieldType.DECIMAL and not isinstance(value, bool):
        return str(value)
    return value


def clean_value(form_field: FormField, raw: Any, *, today: date) -> Any:
    """Check and normalise a value the applicant entered for ``form_field``.

    ``None`` or an empty string clears the field.

    :raise ValidationError: naming the field, saying what is wrong.
    """
    if raw is None or raw == "":
        return None
    try:
        return _CLEANERS[form_field.type](form_field, raw, today)
    except InvalidValueError as exc:
        raise ValidationError(
            f"{form_field.label}：{exc.message}", field=form_field.key, code=exc.code
        ) from None
    except (ValueError, TypeError, InvalidOperation):
        raise ValidationError(
            f"{form_field.label}：格式不正确（{_EXPECTED[form_field.type]}）",
            field=form_field.key,
            code="invalid_value",
        ) from None


def _text(form_field: FormField, raw: Any, today: date) -> str:
    if not isinstance(raw, str):
        raise TypeError
    text = raw.strip()
    limit = MAX_LENGTH[form_field.type]
    if len(text) > limit or _CONTROL.search(text):
        raise ValueError
    return text


def _integer(form_field: FormField, raw: Any, today: date) -> int:
    if isinstance(raw, bool) or not isinstance(raw, (int, str)):
        raise TypeError
    value = int(raw)
    if not 0 <= value <= 10**9:
        raise ValueError
    return value


def _decimal(form_field: FormField, raw: Any, today: date) -> str:
    if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
        raise TypeError
    value = Decimal(str(raw))
    if not value.is_finite() or not 0 <= value <= 10**12:
        raise ValueError
    return str(value.quantize(Decimal("0.01")))


def _boolean(form_field: FormField, raw: Any, today: date) -> bool:
    if not isinstance(raw, bool):
        raise TypeError
    return raw


def _date(form_field: FormField, raw: Any, today: date) -> str:
    if not isinstance(raw, str):
        raise TypeError
    value = date.fromisoformat(raw.strip())
    if not date(1900, 1, 1) <= value <= date(today.year + 10, 12, 31):
        raise ValueError
    return value.isoformat()


def _enum(form_field: FormField, raw: Any, today: date) -> str:
    if raw not in form_field.options:
        raise ValueError
    return raw


def _parsed(parse: Any, attr: str):  # type: ignore[no-untyped-def]
    def clean(form_field: FormField, raw: Any, today: date) -> str:
        if not isinstance(raw, str):
            raise TypeError
        return getattr(parse(raw), attr)

    return clean


def _id_number(form_field: FormField, raw: Any, today: date) -> str:
    if not isinstance(raw, str):
        raise TypeError
    return parse_id_number(raw, today=today).number


def _phone(form_field: FormField, raw: Any, today: date) -> str:
    if not isinstance(raw, str):
        raise TypeError
    return normalise_mobile(raw)


_CLEANERS = {
    FieldType.STRING: _text,
    FieldType.TEXT: _text,
    FieldType.ADDRESS: _text,
    FieldType.INTEGER: _integer,
    FieldType.DECIMAL: _decimal,
    FieldType.BOOLEAN: _boolean,
    FieldType.DATE: _date,
    FieldType.ENUM: _enum,
    FieldType.PHONE: _phone,
    FieldType.ID_NUMBER: _id_number,
    FieldType.CREDIT_CODE: _parsed(parse_credit_code, "code"),
    FieldType.DIVISION_CODE: _parsed(parse_division_code, "code"),
}

_EXPECTED = {
    FieldType.STRING: "不超过100个字的文字",
    FieldType.TEXT: "不超过2000个字的文字",
    FieldType.ADDRESS: "不超过200个字的地址",
    FieldType.INTEGER: "整数",
    FieldType.DECIMAL: "数字，最多两位小数",
    FieldType.BOOLEAN: "是或否",
    FieldType.DATE: "日期，格式如 2026-01-31",
    FieldType.ENUM: "从给定选项中选择",
    FieldType.PHONE: "11位手机号码",
    FieldType.ID_NUMBER: "18位公民身份号码",
    FieldType.CREDIT_CODE: "18位统一社会信用代码",
    FieldType.DIVISION_CODE: "6位行政区划代码",
}
