"""Fault: the disk for uploads is full.

The app's upload folder is a real tmpfs of 1 MiB mounted for the test (the
suite runs as root in CI; elsewhere the test is skipped), filled to the last
byte, so the kernel itself refuses the write with ENOSPC.

What must hold: uploading a page answers 507 with the JSON error shape and a
Chinese message naming the problem; no file, whole or partial, is left in
the store and no material row is written; once space is freed the same
upload works.
"""

from __future__ import annotations

import errno
import io
import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa
from flask import Flask
from PIL import Image

from govcore.applications import MaterialKind, MaterialRecord
from govcore.db import db
from tests.api.conftest import create_draft, dev_login
from tests.components import require_tool, unavailable
from tests.conftest import world_app

SIZE = "1m"
LEFT = 128 * 1024  # bytes left free on the "full" disk
FILLER = "filler"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MiB tmpfs, unmounted afterwards."""
    mount = require_tool("mount", "mount")
    umount = require_tool("umount", "mount")
    root = tmp_path / "uploads"
    root.mkdir()
    done = subprocess.run(
        [mount, "-t", "tmpfs", "-o", f"size={SIZE},mode=0700", "tmpfs", str(root)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        unavailable(f"cannot mount a tmpfs (needs root): {done.stderr.strip()}")
    try:
        yield root
    finally:
        subprocess.run([umount, str(root)], check=True)


def fill(root: Path, *, leave: int) -> int:
    """Fill the disk but for ``leave`` bytes; return how many bytes went in."""
    written = 0
    with (root / FILLER).open("wb", buffering=0) as f:
        try:
            while True:
                written += f.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
        f.truncate(written - leave)
    return written - leave


def free_bytes(root: Path) -> int:
    stat = os.statvfs(root)
    return stat.f_bavail * stat.f_frsize


def stored_files(root: Path) -> list[str]:
    return sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())


def uploads() -> int:
    return db.session.scalar(
        sa.select(sa.func.count(MaterialRecord.id)).filter_by(kind=MaterialKind.UPLOAD)
    )


def page() -> bytes:
    """A scanned page that does not compress away (a few hundred KB)."""
    noise = np.random.default_rng(7).integers(0, 255, (700, 500, 3), np.uint8)
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def app_on_small_disk(small_disk: Path) -> Iterator[Flask]:
    with world_app("sqlite://", UPLOAD_DIR=str(small_disk)) as app:
        yield app


def test_an_upload_to_a_full_disk_is_refused_cleanly(
    app_on_small_disk: Flask, small_disk: Path
) -> None:
    app, root = app_on_small_disk, small_disk
    client = app.test_client()
    auth = dev_login(client, "陈伯")
    draft = create_draft(client, auth, "aged-allowance")
    url = f"/api/v1/applications/{draft['id']}/materials/mandate/uploads"
    data = page()

    def upload():
        return client.post(
            url, data={"file": (io.BytesIO(data), "page.jpg")}, headers=auth
        )

    # Less room than the page needs: the write starts, then fails midway.
    filled = fill(root, leave=LEFT)
    free = free_bytes(root)
    assert 0 < free < len(data)
    full = upload()
    assert full.status_code == 507, full.json
    assert set(full.json) == {"code", "status", "message", "errors"}
    assert full.json["code"] == "storage_full"
    assert "存储空间已满" in full.json["message"]
    assert stored_files(root) == [FILLER]  # no partial file, no temporary one
    assert free_bytes(root) == free
    with app.app_context():
        assert uploads() == 0

    (root / FILLER).unlink()  # space freed
    stored = upload()
    assert stored.status_code == 201, stored.json
    (name,) = stored_files(root)
    assert (root / name).stat().st_size == stored.json["size"]
    with app.app_context():
        assert uploads() == 1
    print(
        f"\ndisk of {SIZE} filled but for {free} bytes ({filled} written); a page "
        f"of {len(data)} bytes refused with 507 and nothing left behind; "
        f"stored ({stored.json['size']} bytes cleaned) once space was freed"
    )
