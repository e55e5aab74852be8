"""The local file store: server-made names, private files, no path traversal."""

from __future__ import annotations

import os
import re
import stat
from pathlib import Path

import pytest

from govcore.errors import NotFoundError, ValidationError
from govcore.filestore import FileStore, LocalFileStore, check_name

NAME = re.compile(r"[0-9a-f]{32}\.(jpg|png)")


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return tmp_path / "uploads" / "store"


@pytest.fixture
def store(root: Path) -> LocalFileStore:
    return LocalFileStore(root)


def mode_of(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def all_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file())


def test_put_then_read_roundtrip(store: LocalFileStore) -> None:
    name = store.put(b"\x89PNG pixels", "png")

    assert NAME.fullmatch(name)
    assert name.endswith(".png")
    assert store.read(name) == b"\x89PNG pixels"
    assert store.exists(name)


def test_names_are_fresh_and_made_by_the_store(store: LocalFileStore) -> None:
    names = {store.put(b"same", "jpg") for _ in range(20)}

    assert len(names) == 20
    assert all(NAME.fullmatch(n) and n.endswith(".jpg") for n in names)


def test_root_is_made_private_and_files_spread_by_prefix(
    store: LocalFileStore, root: Path
) -> None:
    name = store.put(b"x", "jpg")

    path = root / name[:2] / name
    assert path.is_file()
    assert mode_of(root) & 0o077 == 0
    assert mode_of(path.parent) & 0o077 == 0
    assert mode_of(path) == 0o600


def test_files_are_0600_whatever_the_umask(store: LocalFileStore) -> None:
    old = os.umask(0)
    try:
        name = store.put(b"x", "png")
    finally:
        os.umask(old)

    assert mode_of(store.root / name[:2] / name) == 0o600


def test_put_leaves_no_temporary_files(store: LocalFileStore, root: Path) -> None:
    names = [store.put(bytes([i]) * 10, "png") for i in range(5)]

    assert [p.name for p in all_files(root)] == sorted(names)


def test_a_failed_write_leaves_nothing_behind(
    store: LocalFileStore, root: Path, monkeypatch
) -> None:
    def failing_replace(src, dst):
        raise OSError("disk full")

    monkeypatch.setattr(os, "replace", failing_replace)

    with pytest.raises(OSError, match="disk full"):
        store.put(b"x", "jpg")
    assert all_files(root) == []


@pytest.mark.parametrize("extension", ["gif", "JPG", "jpeg", "", "png/../x", ".png"])
def test_put_refuses_other_extensions(store: LocalFileStore, extension: str) -> None:
    with pytest.raises(ValidationError):
        store.put(b"x", extension)


def test_delete_then_gone(store: LocalFileStore) -> None:
    name = store.put(b"x", "jpg")

    store.delete(name)

    assert not store.exists(name)
    with pytest.raises(NotFoundError):
        store.read(name)


def test_delete_of_a_missing_file_is_fine(store: LocalFileStore) -> None:
    store.delete("0" * 32 + ".jpg")
    store.delete("ab" * 16 + ".png")  # its subfolder does not exist either


def test_read_of_a_missing_file_is_not_found(store: LocalFileStore) -> None:
    with pytest.raises(NotFoundError) as caught:
        store.read("0123456789abcdef" * 2 + ".png")

    assert caught.value.code == "not_found"
    assert not store.exists("0123456789abcdef" * 2 + ".png")


BAD_NAMES = [
    "../../etc/passwd",
    "/etc/passwd",
    "..",
    "",
    "secret.txt",
    "0" * 32 + ".gif",
    "0" * 32 + ".JPG",
    "A" * 32 + ".jpg",
    "0" * 31 + ".jpg",
    "0" * 33 + ".jpg",
    "0" * 32 + ".jpg\n",
    "0" * 32 + ".jpg\x00",
    "../" + "0" * 32 + ".jpg",
    "00/" + "0" * 32 + ".jpg",
    "0" * 32 + ".jpg/../../secret",
    "０" * 32 + ".jpg",  # full-width digits are not [0-9]
]


@pytest.mark.parametrize("method", ["read", "delete", "exists"])
@pytest.mark.parametrize("name", BAD_NAMES)
def test_bad_names_are_refused(store: LocalFileStore, method: str, name: str) -> None:
    with pytest.raises(ValidationError) as caught:
        getattr(store, method)(name)

    assert caught.value.code == "bad_file_name"


def test_traversal_cannot_touch_files_outside_the_root(
    store: LocalFileStore, root: Path
) -> None:
    secret = root.parent / "secret.jpg"
    secret.write_bytes(b"do not touch")

    for name in ("../secret.jpg", "../../store/../secret.jpg", str(secret)):
        for method in (store.read, store.delete, store.exists):
            with pytest.raises(ValidationError):
                method(name)

    assert secret.read_bytes() == b"do not touch"


def test_check_name_refuses_non_strings() -> None:
    with pytest.raises(ValidationError):
        check_name(None)  # type: ignore[arg-type]


def test_an_existing_root_is_reused(root: Path) -> None:
    first = LocalFileStore(root)
    name = first.put(b"kept", "png")

    assert LocalFileStore(root).read(name) == b"kept"


def test_the_port_is_abstract() -> None:
    with pytest.raises(TypeError):
        FileStore()  # type: ignore[abstract]
    assert issubclass(LocalFileStore, FileStore)
