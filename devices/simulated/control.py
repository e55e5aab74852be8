"""Shared, file-backed state of the simulated devices.

The standalone server runs the simulators; ``flask --app webapp devices sim …``
(another process) changes what they see: a card put on the reader, paper out
on the A4 printer, an empty receipt roll. The state is one small JSON file in
the instance folder, replaced atomically on every change.
"""

from __future__ import annotations

import json
import os
import tempfile
import threading
from pathlib import Path
from typing import Any

DEFAULT_STATE: dict[str, Any] = {
    "card": None,  # the card on the reader (IdCard fields, dates as ISO strings)
    "reader_fault": None,  # next read fails with this code
    "a4_fault": None,  # media-empty, media-jam, toner-low, offline
    "receipt_paper": "ok",  # ok, near_end, empty
    "scanner_offline": False,
    "scan_sample": "form",  # what lies on the glass: form, photo, none
}
A4_FAULTS = ("media-empty", "media-jam", "toner-low", "offline")
RECEIPT_PAPER = ("ok", "near_end", "empty")
SCAN_SAMPLES = ("form", "photo", "none")


class SimControl:
    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()

    def read(self) -> dict[str, Any]:
        try:
            stored = json.loads(self.path.read_text("utf-8"))
        except (FileNotFoundError, ValueError):
            stored = {}
        return {**DEFAULT_STATE, **stored}

    def update(self, **changes: Any) -> dict[str, Any]:
        unknown = set(changes) - set(DEFAULT_STATE)
        if unknown:
            raise ValueError(f"unknown simulator settings: {sorted(unknown)}")
        with self._lock:
            state = {**self.read(), **changes}
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, temporary = tempfile.mkstemp(dir=self.path.parent, suffix=".tmp")
            with os.fdopen(fd, "w", encoding="utf-8") as out:
                json.dump(state, out, ensure_ascii=False)
            os.chmod(temporary, 0o600)  # a demo card is still a card
            os.replace(temporary, self.path)
        return state
