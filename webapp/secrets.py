"""The standalone role's secret key, made once and kept in the instance folder."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

SECRET_FILE = "secret_key"


def instance_secret_key(instance_path: str) -> str:
    """Return the instance's secret key, creating it (mode 0600) on first use."""
    path = Path(instance_path) / SECRET_FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two processes starting at once must not both write a key.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_urlsafe(48))
    return path.read_text().strip()
