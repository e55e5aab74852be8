"""The CJK TrueType font embedded in every PDF.

Documents are read on printers and phones that may have no Chinese font, so
the font is always embedded (as a subset). reportlab's built-in CID fonts
(``UnicodeCIDFont``) are never embedded and must not be used here.
WenQuanYi Zen Hei has TrueType outlines, which reportlab needs (CFF-based
fonts such as Noto Sans CJK raise ``TTFError``).
"""

from __future__ import annotations

import os
import threading
from pathlib import Path

from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

from govcore.errors import GovCoreError

__all__ = ["CJK_FONT_NAME", "CJK_FONT_PATH", "FontMissingError", "cjk_font"]

CJK_FONT_PATH = Path("/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc")
CJK_FONT_NAME = "WenQuanYiZenHei"
DEBIAN_PACKAGE = "fonts-wqy-zenhei"

_lock = threading.Lock()
_registered: dict[Path, str] = {}


class FontMissingError(GovCoreError):
    """The CJK font file is not installed; documents cannot be rendered."""

    code = "font_missing"


def cjk_font(path: Path = CJK_FONT_PATH) -> str:
    """Register the TrueType collection at ``path`` (once per process) and
    return the reportlab font name to draw with.

    :raise FontMissingError: when the file does not exist, naming the path and
        the Debian package that provides it.
    """
    path = Path(path)
    if path in _registered:
        return _registered[path]
    if not os.path.isfile(path):
        raise FontMissingError(
            f"CJK font not found at {path}; install the Debian package "
            f"{DEBIAN_PACKAGE} (apt-get install {DEBIAN_PACKAGE})"
        )
    with _lock:
        if path not in _registered:
            name = CJK_FONT_NAME if path == CJK_FONT_PATH else f"CJK-{path.stem}"
            # Index 0 of the collection is "WenQuanYi Zen Hei" (proportional
            # Latin); index 1 is the monospaced variant.
            pdfmetrics.registerFont(TTFont(name, str(path), subfontIndex=0))
            _registered[path] = name
    return _registered[path]
