"""Storing uploaded files: a port, and an adapter on the local disk.

Names are made by the store (``uuid4().hex`` plus an extension), never taken
from the client, and every name a caller passes back is checked against that
shape, so no name can reach outside the store (``../../etc/passwd``).
"""

from __future__ import annotations

import abc
import errno
import os
import re
import tempfile
import uuid
from pathlib import Path

from govcore.errors import NotFoundError, StorageFullError, ValidationError

EXTENSIONS = ("jpg", "png", "pdf")
NAME_PATTERN = re.compile(r"[0-9a-f]{32}\.(?:jpg|png|pdf)")
DIR_MODE = 0o700
FILE_MODE = 0o600
# A disk or a quota that is full: the upload cannot be kept, try again later.
FULL = (errno.ENOSPC, errno.EDQUOT)


class FileStore(abc.ABC):
    """Where uploaded files live, addressed by names the store makes."""

    @abc.abstractmethod
    def put(self, content: bytes, extension: str) -> str:
        """Store ``content`` and return its new name (``<32 hex>.<extension>``).

        Either the whole file is stored or nothing is.

        :raise ValidationError: if ``extension`` is not ``jpg``, ``png`` or ``pdf``.
        :raise StorageFullError: if there is no space left for it.
        """

    @abc.abstractmethod
    def read(self, name: str) -> bytes:
        """Return the content stored as ``name``.

        :raise ValidationError: if ``name`` is not a name the store makes.
        :raise NotFoundError: if there is no such file.
        """

    @abc.abstractmethod
    def delete(self, name: str) -> None:
        """Delete ``name``; a file already gone is fine.

        :raise ValidationError: if ``name`` is not a name the store makes.
        """

    @abc.abstractmethod
    def exists(self, name: str) -> bool:
        """Tell whether ``name`` is stored.

        :raise ValidationError: if ``name`` is not a name the store makes.
        """


def new_name(extension: str) -> str:
    """Return a fresh random name with ``extension``.

    :raise ValidationError: if ``extension`` is not ``jpg``, ``png`` or ``pdf``.
    """
    if extension not in EXTENSIONS:
        raise ValidationError(
            f"不支持的文件类型（file extension must be one of {EXTENSIONS}）",
            field="extension",
            code="bad_file_extension",
        )
    return f"{uuid.uuid4().hex}.{extension}"


def check_name(name: str) -> str:
    """Return ``name`` if it has the shape of a name the store makes.

    :raise ValidationError: otherwise.
    """
    if not isinstance(name, str) or NAME_PATTERN.fullmatch(name) is None:
        raise ValidationError(
            "文件名无效（bad file name）", field="name", code="bad_file_name"
        )
    return name


class LocalFileStore(FileStore):
    """Files under ``root``, spread into subfolders by their first two characters.

    The root and subfolders are made with mode 0700, files with mode 0600; a
    file is written to a temporary name and renamed, so a reader never sees a
    partly written file.

    :param root: the folder to keep the files in; made if missing.
    """

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root)
        self.root.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)

    def put(self, content: bytes, extension: str) -> str:
        name = new_name(extension)
        try:
            self._write(self._path(name), content)
        except OSError as exc:
            if exc.errno in FULL:
                raise StorageFullError(
                    "存储空间已满，文件未能保存，请稍后再试或到窗口咨询"
                    "（storage full）"
                ) from exc
            raise
        return name

    def _write(self, path: Path, content: bytes) -> None:
        path.parent.mkdir(mode=DIR_MODE, exist_ok=True)
        # mkstemp makes the file with mode 0600 in the target folder, so the
        # rename below stays on one file system and is atomic.
        fd, temp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(content)
                f.flush()
                os.fsync(f.fileno())
            os.chmod(temp, FILE_MODE)
            os.replace(temp, path)
        except BaseException:
            # Nothing half-written stays behind (a full disk fails mid-write).
            Path(temp).unlink(missing_ok=True)
            raise

    def read(self, name: str) -> bytes:
        try:
            return self._path(name).read_bytes()
        except FileNotFoundError:
            raise NotFoundError("文件不存在（file not found）") from None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)

    def exists(self, name: str) -> bool:
        return self._path(name).is_file()

    def _path(self, name: str) -> Path:
        check_name(name)
        return self.root / name[:2] / name
