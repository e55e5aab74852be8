"""Scanners and document cameras, and the clean-up every scan goes through.

``SaneScanner`` needs python-sane and libsane only when it is used; the
camera and the pipeline need OpenCV, numpy and img2pdf.

SANE configuration: libsane reads ``SANE_CONFIG_DIR`` (default
``/etc/sane.d``) once, in ``sane.init()``, which :func:`load_sane` calls on
the first scanner operation of the process. To use a private configuration
(the tests do, to enable the ``test`` backend without editing ``/etc``), set
the variable before that: a directory with a ``dll.conf`` naming the backends
(``test``, ``epson2``, ``airscan`` …) and their ``<backend>.conf`` files. A
trailing ``:`` (``/opt/kiosk/sane.d:``) also searches the default directories.
"""

from devices.scanning.camera import (
    DocumentCamera,
    FileSource,
    FrameSource,
    SyntheticSource,
    V4L2Source,
)
from devices.scanning.pipeline import ScanLimits, clean_page, pages_to_pdf
from devices.scanning.sane_scanner import SaneScanner, load_sane

__all__ = [
    "DocumentCamera",
    "FileSource",
    "FrameSource",
    "SaneScanner",
    "ScanLimits",
    "SyntheticSource",
    "V4L2Source",
    "clean_page",
    "load_sane",
    "pages_to_pdf",
]
