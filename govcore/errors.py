"""Domain errors. Every error the core raises subclasses :class:`GovCoreError`.

Each edge (kiosk, API, CLI) maps these to its own medium. ``code`` is a stable
machine-readable identifier; the message is meant for people.
"""

from __future__ import annotations


class GovCoreError(Exception):
    """Base class of all domain errors."""

    code = "govcore_error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code


class NotFoundError(GovCoreError):
    code = "not_found"


class ValidationError(GovCoreError):
    """Input that breaks a domain rule; ``field`` names where, when known."""

    code = "invalid"

    def __init__(
        self, message: str, *, field: str | None = None, code: str | None = None
    ) -> None:
        super().__init__(message, code=code)
        self.field = field


class ConflictError(GovCoreError):
    code = "conflict"


class UnsupportedMediaError(ValidationError):
    """An upload whose content is not of an accepted type."""

    code = "unsupported_media_type"


class TooLargeError(ValidationError):
    """An upload or request over its size limit."""

    code = "too_large"


class AuthenticationError(GovCoreError):
    """The caller could not be identified: bad, expired or revoked credentials."""

    code = "unauthenticated"


class PermissionDeniedError(GovCoreError):
    """The caller is known but may not do this."""

    code = "forbidden"


class UnavailableError(GovCoreError):
    """A service the use case depends on cannot answer now; try again later."""

    code = "unavailable"


class StorageFullError(UnavailableError):
    """No space left to store a file (disk or quota full); nothing was stored."""

    code = "storage_full"


class ThrottledError(GovCoreError):
    """Too many attempts in a short time; the caller must wait."""

    code = "throttled"

    def __init__(self, message: str, *, retry_after: int) -> None:
        super().__init__(message)
        self.retry_after = retry_after
