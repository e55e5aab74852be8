"""A local certificate authority for the standalone demo.

Production signs with a certificate from a recognised CA (or the province's
e-seal platform, see :mod:`.signing` for the port). The demo makes its own
root and one signing certificate for the bureau, kept as PEM files in a
folder (private keys readable by the owner only). Verifiers trust the root.

Signing needs the bureau's key and certificate and the root certificate (for
the chain and the trust root), never the root's private key: only
:func:`generate_local_ca` uses that, and :func:`load_local_ca` reads it only
when it is there. A production server holds no CA private key.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from govcore.certificates.pades import PdfSigningIdentity

__all__ = [
    "LocalCa",
    "ensure_local_ca",
    "generate_local_ca",
    "load_local_ca",
    "save_local_ca",
]

ORGANISATION = "汕头市龙湖区人民政府"
BUREAU = "汕头市龙湖区政务服务数据管理局"
ROOT_NAME = "龙湖区政务服务本地根证书（演示）"

ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca.key.pem"
SIGNING_CERT = "bureau-signing.pem"
SIGNING_KEY = "bureau-signing.key.pem"


@dataclass(frozen=True)
class LocalCa:
    """The root certificate and the bureau's signing key pair, all PEM.

    ``root_key_pem`` is the root's private key when this CA was generated
    here (the demo); ``None`` when the root belongs to an outside CA or its
    key was kept off the server. Signing never needs it.
    """

    root_certificate_pem: bytes
    signing_certificate_pem: bytes
    signing_key_pem: bytes = field(repr=False)
    root_key_pem: bytes | None = field(default=None, repr=False)

    def identity(self) -> PdfSigningIdentity:
        """What :func:`~.pades.sign_pdf` needs to sign as the bureau."""
        return PdfSigningIdentity(
            private_key_pem=self.signing_key_pem,
            certificate_pem=self.signing_certificate_pem,
            chain_pem=(self.root_certificate_pem,),
        )

    @property
    def trust_roots(self) -> tuple[bytes, ...]:
        return (self.root_certificate_pem,)


def generate_local_ca(
    now: datetime, *, bureau: str = BUREAU, organisation: str = ORGANISATION
) -> LocalCa:
    """A new root (20 years) and a bureau signing certificate (5 years), both
    EC P-256, valid from one day before ``now`` (aware)."""
    root_key = ec.generate_private_key(ec.SECP256R1())
    root_name = _name(ROOT_NAME, organisation)
    root = (
        _builder(root_name, root_name, root_key.public_key(), now, years=20)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .sign(root_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    signing = (
        _builder(_name(bureau, organisation), root_name, key.public_key(), now, 5)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(root_key.public_key()),
            critical=False,
        )
        .sign(root_key, hashes.SHA256())
    )
    return LocalCa(
        root_certificate_pem=root.public_bytes(serialization.Encoding.PEM),
        root_key_pem=_key_pem(root_key),
        signing_certificate_pem=signing.public_bytes(serialization.Encoding.PEM),
        signing_key_pem=_key_pem(key),
    )


def save_local_ca(ca: LocalCa, directory: Path) -> None:
    """Write the PEM files into ``directory`` (created if needed): the root
    certificate, the bureau's certificate and key, and the root's key when
    ``ca`` has it. The private keys are made readable by the owner only
    (0600)."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    _write(directory / ROOT_CERT, ca.root_certificate_pem, 0o644)
    if ca.root_key_pem is not None:
        _write(directory / ROOT_KEY, ca.root_key_pem, 0o600)
    _write(directory / SIGNING_CERT, ca.signing_certificate_pem, 0o644)
    _write(directory / SIGNING_KEY, ca.signing_key_pem, 0o600)


def load_local_ca(directory: Path) -> LocalCa:
    """Read the signing material from ``directory``: ``root-ca.pem``,
    ``bureau-signing.pem`` and ``bureau-signing.key.pem``, plus
    ``root-ca.key.pem`` if it is there (the demo's own CA; a production
    server does not have it).

    :raise FileNotFoundError: when one of the three needed files is missing.
    """
    directory = Path(directory)
    try:
        root_key_pem: bytes | None = (directory / ROOT_KEY).read_bytes()
    except FileNotFoundError:
        root_key_pem = None
    return LocalCa(
        root_certificate_pem=(directory / ROOT_CERT).read_bytes(),
        signing_certificate_pem=(directory / SIGNING_CERT).read_bytes(),
        signing_key_pem=(directory / SIGNING_KEY).read_bytes(),
        root_key_pem=root_key_pem,
    )


def ensure_local_ca(directory: Path, now: datetime) -> LocalCa:
    """Load the CA from ``directory``, making and saving one the first time."""
    try:
        return load_local_ca(directory)
    except FileNotFoundError:
        ca = generate_local_ca(now)
        save_local_ca(ca, directory)
        return ca


def _name(common_name: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.COUNTRY_NAME, "CN"),
            x509.NameAttribute(NameOID.STATE_OR_PROVINCE_NAME, "广东省"),
            x509.NameAttribute(NameOID.LOCALITY_NAME, "汕头市"),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(
    subject: x509.Name,
    issuer: x509.Name,
    public_key: ec.EllipticCurvePublicKey,
    now: datetime,
    years: int,
) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * years))
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
    )


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,  # nonRepudiation
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )


def _write(path: Path, data: bytes, mode: int) -> None:
    """Create ``path`` with ``mode`` from the start, so a key is never
    briefly readable by others."""
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(descriptor, "wb") as file:
        file.write(data)
    os.chmod(path, mode)
