"""The error every validator raises, with a machine-readable reason."""

from __future__ import annotations

from govcore.errors import ValidationError


class InvalidValueError(ValidationError):
    """A value that breaks its standard (GB 11643, GB 32100, …).

    Subclasses set ``code`` and the ``default_field`` named when the caller does
    not say which field held the value. ``reason`` is a short machine-readable
    cause such as ``"length"`` or ``"check_digit"``.
    """

    code = "invalid_value"
    default_field: str | None = None

    def __init__(self, message: str, *, reason: str, field: str | None = None) -> None:
        super().__init__(message, field=field or self.default_field, code=self.code)
        self.reason = reason


def accepts(parse, value: str, **kwargs) -> bool:  # type: ignore[no-untyped-def]
    """Return whether ``parse(value, **kwargs)`` succeeds without an invalid value."""
    try:
        parse(value, **kwargs)
    except InvalidValueError:
        return False
    return True
