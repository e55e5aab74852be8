"""Mainland China mobile numbers: normalisation and masking.

A mobile number is eleven digits, starting with ``1`` and a second digit from
3 to 9.  People type it with a country code (``+86``, ``0086`` or ``86``), with
spaces or with hyphens; :func:`normalise_mobile` removes all of that.
"""

from __future__ import annotations

from govcore.validation.invalid import InvalidValueError, accepts

__all__ = [
    "InvalidPhoneError",
    "is_valid_mobile",
    "mask_mobile",
    "normalise_mobile",
]

_DIGITS = "0123456789"
_SEPARATORS = " -"


class InvalidPhoneError(InvalidValueError):
    """A string that is not a mainland mobile number.

    ``reason`` is a short machine-readable cause: ``"type"``, ``"character"``,
    ``"country_code"``, ``"length"`` or ``"prefix"``.
    """

    code = "invalid_phone"
    default_field = "phone"


def _fail(zh: str, en: str, reason: str) -> InvalidPhoneError:
    return InvalidPhoneError(f"{zh} ({en})", reason=reason)


def normalise_mobile(value: str) -> str:
    """Return the eleven-digit form of a mainland mobile number.

    Surrounding whitespace, inner spaces and hyphens are removed, then an
    optional ``+86``, ``0086`` or ``86`` prefix (the latter only when thirteen
    digits remain).

    :param value: the number as entered, e.g. ``"+86 138-1234-5678"``.
    :returns: e.g. ``"13812345678"``.
    :raises InvalidPhoneError: with a message saying what is wrong.
    """
    if not isinstance(value, str):
        raise _fail("手机号码必须是字符串", "mobile number must be a string", "type")
    text = "".join(char for char in value.strip() if char not in _SEPARATORS)
    if text.startswith("+"):
        if not text.startswith("+86"):
            raise _fail(
                "仅支持中国大陆手机号码（+86）",
                "only mainland China numbers (+86) are supported",
                "country_code",
            )
        text = text[3:]
    elif text.startswith("0086"):
        text = text[4:]
    elif text.startswith("86") and len(text) == 13:
        text = text[2:]
    for char in text:
        if char not in _DIGITS:
            raise _fail(
                f"手机号码含无效字符{char!r}",
                f"invalid character {char!r} in mobile number",
                "character",
            )
    if len(text) != 11:
        raise _fail(
            f"手机号码应为11位数字，实际为{len(text)}位",
            f"mobile number must have 11 digits, got {len(text)}",
            "length",
        )
    if text[0] != "1" or text[1] not in "3456789":
        raise _fail(
            f"手机号码应以13–19开头，实际为{text[:2]}",
            f"mobile number must start with 13-19, got {text[:2]}",
            "prefix",
        )
    return text


def is_valid_mobile(value: str) -> bool:
    """Return whether :func:`normalise_mobile` accepts ``value``.

    :param value: the number as entered.
    :returns: ``True`` when valid.
    """
    return accepts(normalise_mobile, value)


def mask_mobile(value: str) -> str:
    """Mask a mobile number for display: ``"13812345678"`` → ``"138****5678"``.

    The number is normalised first, so ``"+86 138 1234 5678"`` gives the same
    result.

    :param value: the number as entered or stored.
    :returns: the first three and last four digits around four ``*``.
    :raises InvalidPhoneError: when ``value`` is not a valid mobile number.
    """
    number = normalise_mobile(value)
    return number[:3] + "****" + number[7:]
