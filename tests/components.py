"""Tests that need a component (a server, a tool, a font) ask for it here:
missing, they skip on a developer's machine and fail in CI (``CI=true``)."""

from __future__ import annotations

import os
import shutil
from typing import NoReturn

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(message: str) -> NoReturn:
    """Skip with ``message``; in CI, fail with it."""
    if IN_CI:
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def require(available: bool, message: str) -> None:
    if not available:
        unavailable(message)


def require_tool(name: str, package: str) -> str:
    """The path of command ``name``, from Debian package ``package``."""
    path = shutil.which(name)
    require(path is not None, f"{name} is missing (Debian package {package})")
    return path  # type: ignore[return-value]
