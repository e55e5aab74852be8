"""Spoken prompts for the kiosk steps: which exist and where their audio is.

The texts are in ``kiosk_app/prompts.yaml``; ``scripts/make-kiosk-audio`` speaks
them into ``static/kiosk/audio/<lang>/<key>.wav`` at setup time (docs/kiosk.md).
"""

from __future__ import annotations

from pathlib import Path

import yaml
from flask import has_request_context, url_for

PROMPTS_FILE = Path(__file__).with_name("prompts.yaml")
AUDIO_DIR = Path(__file__).resolve().parent.parent / "static" / "kiosk" / "audio"
LANGS = ("zh", "en")


def _load_keys() -> tuple[str, ...]:
    with PROMPTS_FILE.open(encoding="utf-8") as f:
        return tuple(yaml.safe_load(f) or ())


PROMPT_KEYS: tuple[str, ...] = _load_keys()


def prompt_url(key: str, lang: str) -> str | None:
    """The URL of the spoken prompt ``key`` in ``lang`` ("zh" or "en"), or
    ``None`` if there is no such prompt or its audio was not generated."""
    if key not in PROMPT_KEYS or lang not in LANGS:
        return None
    if not (AUDIO_DIR / lang / f"{key}.wav").is_file():
        return None
    filename = f"kiosk/audio/{lang}/{key}.wav"
    if has_request_context():
        return url_for("static", filename=filename)
    return f"/static/{filename}"
