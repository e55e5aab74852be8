"""The signer port for a document's canonical fields, and its Ed25519 adapter.

A certificate record is signed over :func:`canonical_bytes` of its fields (number,
holder, dates, …), so the verification page can prove the record was issued by
the bureau and not edited in the database afterwards. The signature is stored
with the id of the key that made it; verifiers look the key up in a
:class:`KeyRing`, which keeps retired public keys so that documents signed
before a key rotation still verify.

Keys live as PEM files in one folder, one pair per key id:
``<key_id>.key.pem`` (private, 0600) and ``<key_id>.pub.pem`` (public). To
rotate, generate a new key and configure its id as the active one; keep the
old ``.pub.pem`` (its private key may be destroyed).

Other implementations of :class:`FieldSigner`:

* **SM2 signing service (签名验签服务器, GM/T 0029).** ``key_id`` names the
  service's key index or the signing certificate's serial number; ``sign``
  sends ``data`` (or its SM3 digest with the Z value over the default user id
  ``1234567812345678``, as the service's API expects) over mutually
  authenticated TLS and returns the DER ``SM2Signature``. Verification needs
  an SM2 public key entry in the key ring, i.e. a per-key algorithm beside
  Ed25519 (e.g. with ``gmssl``), or a call to the same service's verify API.
* **HSM (GM/T 0018 SDF or PKCS#11).** ``sign`` calls the module's sign
  operation with the key handle named by ``key_id``; the private key never
  leaves the device. Ed25519 (``CKM_EDDSA``) keeps the key ring unchanged.

Either adapter is chosen by configuration at the composition root, as the
device drivers are; the core only sees ``FieldSigner``.
"""

from __future__ import annotations

import abc
import json
import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

__all__ = [
    "Ed25519Signer",
    "FieldSigner",
    "KeyRing",
    "canonical_bytes",
    "generate_ed25519_key",
    "load_ed25519_signer",
    "load_key_ring",
]

KEY_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
PRIVATE_SUFFIX = ".key.pem"
PUBLIC_SUFFIX = ".pub.pem"


def canonical_bytes(fields: Mapping[str, Any]) -> bytes:
    """The one byte form of ``fields`` that is signed: JSON with sorted keys,
    no whitespace, UTF-8 (non-ASCII kept as is) and no NaN/Infinity.

    Values must be JSON types (str, int, bool, None, lists, nested dicts);
    pass dates and decimals as strings so their form is explicit.

    :raise TypeError: for a value JSON cannot represent.
    :raise ValueError: for NaN or infinity.
    """
    text = json.dumps(
        fields,
        sort_keys=True,
        ensure_ascii=False,
        separators=(",", ":"),
        allow_nan=False,
    )
    return text.encode("utf-8")


class FieldSigner(abc.ABC):
    """Signs bytes with one key; ``key_id`` is stored beside the signature."""

    key_id: str
    algorithm: str

    @abc.abstractmethod
    def sign(self, data: bytes) -> bytes:
        """The signature of ``data``."""
        raise NotImplementedError


class Ed25519Signer(FieldSigner):
    """A signer holding an Ed25519 private key in memory."""

    algorithm = "Ed25519"

    def __init__(self, key_id: str, private_key: Ed25519PrivateKey) -> None:
        self.key_id = _checked_key_id(key_id)
        self._private_key = private_key

    def sign(self, data: bytes) -> bytes:
        return self._private_key.sign(data)

    def public_key(self) -> Ed25519PublicKey:
        return self._private_key.public_key()


class KeyRing:
    """Public keys by key id, current and retired, for verification."""

    def __init__(self, keys: Mapping[str, Ed25519PublicKey] | None = None) -> None:
        self._keys: dict[str, Ed25519PublicKey] = {}
        for key_id, key in (keys or {}).items():
            self.add(key_id, key)

    def add(self, key_id: str, public_key: Ed25519PublicKey) -> None:
        self._keys[_checked_key_id(key_id)] = public_key

    @property
    def key_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def __contains__(self, key_id: object) -> bool:
        return key_id in self._keys

    def verify(self, key_id: str, data: bytes, signature: bytes) -> bool:
        """Whether ``signature`` is the signature of ``data`` by key
        ``key_id``; an unknown key id is simply ``False``."""
        key = self._keys.get(key_id)
        if key is None:
            return False
        try:
            key.verify(signature, data)
        except InvalidSignature:
            return False
        return True


def generate_ed25519_key(directory: Path, key_id: str) -> Ed25519Signer:
    """Make a new key pair and save it as ``<key_id>.key.pem`` (0600) and
    ``<key_id>.pub.pem`` in ``directory``.

    :raise FileExistsError: when a key with that id already exists.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    private_path = directory / f"{_checked_key_id(key_id)}{PRIVATE_SUFFIX}"
    public_path = directory / f"{key_id}{PUBLIC_SUFFIX}"
    for path in (private_path, public_path):
        if path.exists():
            raise FileExistsError(f"key {key_id!r} already exists: {path}")
    key = Ed25519PrivateKey.generate()
    private = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    _create(private_path, private, 0o600)
    _create(public_path, public, 0o644)
    return Ed25519Signer(key_id, key)


def load_ed25519_signer(directory: Path, key_id: str) -> Ed25519Signer:
    """The signer for the (active) key ``key_id`` saved in ``directory``.

    :raise FileNotFoundError: when there is no private key with that id.
    :raise ValueError: when the file is not an unencrypted Ed25519 key.
    """
    path = Path(directory) / f"{_checked_key_id(key_id)}{PRIVATE_SUFFIX}"
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise ValueError(f"{path} is not an Ed25519 private key")
    return Ed25519Signer(key_id, key)


def load_key_ring(directory: Path) -> KeyRing:
    """Every public key in ``directory``: each ``.pub.pem`` file, and the
    public half of any ``.key.pem`` whose ``.pub.pem`` is missing."""
    ring = KeyRing()
    for path in sorted(Path(directory).glob(f"*{PUBLIC_SUFFIX}")):
        key = serialization.load_pem_public_key(path.read_bytes())
        if isinstance(key, Ed25519PublicKey):
            ring.add(path.name.removesuffix(PUBLIC_SUFFIX), key)
    for path in sorted(Path(directory).glob(f"*{PRIVATE_SUFFIX}")):
        key_id = path.name.removesuffix(PRIVATE_SUFFIX)
        if key_id not in ring:
            ring.add(key_id, load_ed25519_signer(directory, key_id).public_key())
    return ring


def _checked_key_id(key_id: str) -> str:
    """Key ids become file names: letters, digits, ``.``, ``_`` and ``-``."""
    if not KEY_ID.fullmatch(key_id) or ".." in key_id:
        raise ValueError(f"invalid key id {key_id!r}")
    return key_id


def _create(path: Path, data: bytes, mode: int) -> None:
    """Write a new file with ``mode`` from the start; never overwrite a key."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.chmod(path, mode)
