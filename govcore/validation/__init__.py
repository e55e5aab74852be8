"""Validation of Chinese identifiers: ID numbers, credit codes, phones, divisions.

Pure functions with no framework dependency.  Each ``parse_*`` function raises
a subclass of :class:`govcore.errors.ValidationError` with a stable ``code``
and a bilingual message; each ``is_valid_*`` function returns a bool.
"""

from __future__ import annotations

from govcore.validation.credit_codes import (
    REGISTRATION_AUTHORITY_CODES,
    REGISTRATION_AUTHORITY_NAMES,
    USCC_ALPHABET,
    CreditCodeInfo,
    InvalidCreditCodeError,
    is_valid_credit_code,
    make_credit_code,
    org_code_check_char,
    parse_credit_code,
    uscc_check_char,
)
from govcore.validation.divisions import (
    DIVISION_PROVINCE_CODES,
    HISTORIC_CODES,
    KNOWN_NAMES,
    LONGHU_TOWNSHIPS,
    PROVINCE_CODES,
    DivisionCode,
    DivisionLevel,
    InvalidDivisionCodeError,
    division_name,
    is_valid_division_code,
    parse_division_code,
)
from govcore.validation.id_numbers import (
    IdNumberInfo,
    IdNumberKind,
    InvalidIdNumberError,
    check_digit,
    is_valid_id_number,
    mask_id_number,
    normalise_legacy15,
    parse_id_number,
)
from govcore.validation.invalid import InvalidValueError
from govcore.validation.phones import (
    InvalidPhoneError,
    is_valid_mobile,
    mask_mobile,
    normalise_mobile,
)

__all__ = [
    "DIVISION_PROVINCE_CODES",
    "HISTORIC_CODES",
    "KNOWN_NAMES",
    "LONGHU_TOWNSHIPS",
    "PROVINCE_CODES",
    "REGISTRATION_AUTHORITY_CODES",
    "REGISTRATION_AUTHORITY_NAMES",
    "USCC_ALPHABET",
    "CreditCodeInfo",
    "DivisionCode",
    "DivisionLevel",
    "IdNumberInfo",
    "IdNumberKind",
    "InvalidCreditCodeError",
    "InvalidDivisionCodeError",
    "InvalidIdNumberError",
    "InvalidPhoneError",
    "InvalidValueError",
    "check_digit",
    "division_name",
    "is_valid_credit_code",
    "is_valid_division_code",
    "is_valid_id_number",
    "is_valid_mobile",
    "make_credit_code",
    "mask_id_number",
    "mask_mobile",
    "normalise_legacy15",
    "normalise_mobile",
    "org_code_check_char",
    "parse_credit_code",
    "parse_division_code",
    "parse_id_number",
    "uscc_check_char",
]
