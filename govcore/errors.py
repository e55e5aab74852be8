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
