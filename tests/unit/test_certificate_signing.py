"""Signatures: PAdES over the rendered PDF, Ed25519 over canonical fields."""

from __future__ import annotations

import logging
import re
import stat
from datetime import date, datetime, timezone
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.x509.oid import NameOID

from govcore.certificates.document import DocumentContent, DocumentKind
from govcore.certificates.fonts import CJK_FONT_PATH
from govcore.certificates.local_ca import (
    LocalCa,
    ensure_local_ca,
    generate_local_ca,
    load_local_ca,
    save_local_ca,
)
from govcore.certificates.pades import check_pdf_signature, sign_pdf
from govcore.certificates.pdf import render_pdf
from govcore.certificates.signing import (
    Ed25519Signer,
    FieldSigner,
    KeyRing,
    canonical_bytes,
    generate_ed25519_key,
    load_ed25519_signer,
    load_key_ring,
)

from tests.components import require

NOW = datetime(2026, 11, 28, 2, 0, tzinfo=timezone.utc)
BUREAU = "汕头市龙湖区政务服务数据管理局"

# -- PAdES -------------------------------------------------------------------


@pytest.fixture(scope="module")
def ca() -> LocalCa:
    return generate_local_ca(datetime.now(timezone.utc))


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    require(CJK_FONT_PATH.is_file(), f"{CJK_FONT_PATH} (fonts-wqy-zenhei) missing")
    content = DocumentContent(
        kind=DocumentKind.CERTIFICATE,
        title="居住证明",
        department_name=BUREAU,
        number="LH-JZZM-2026-000123",
        issued_on=date(2026, 11, 28),
        holder=(("姓名", "陈*"),),
        verify_url="https://zwfw.longhu.gov.cn/verify/7QZK3M4XWN2PJ5RB8TYVHC6D",
    )
    return render_pdf(content)


@pytest.fixture(scope="module")
def signed_pdf(ca: LocalCa, unsigned_pdf: bytes) -> bytes:
    return sign_pdf(unsigned_pdf, ca.identity())


def signed_range(pdf: bytes) -> list[range]:
    match = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)", pdf)
    start1, length1, start2, length2 = map(int, match.groups())
    return [range(start1, start1 + length1), range(start2, start2 + length2)]


def test_signature_is_an_incremental_update_that_checks(
    ca: LocalCa, unsigned_pdf: bytes, signed_pdf: bytes
):
    assert signed_pdf.startswith(unsigned_pdf)
    status = check_pdf_signature(signed_pdf, ca.trust_roots)
    assert status.ok, status
    assert (status.signed, status.intact, status.trusted) == (True, True, True)
    assert status.covers_whole_file
    assert status.field_name == "BureauSeal"
    assert BUREAU in status.signer_subject
    assert status.problem is None
    first, second = signed_range(signed_pdf)
    assert first.start == 0 and second.stop == len(signed_pdf)


def test_any_flipped_byte_in_the_signed_range_breaks_the_signature(
    ca: LocalCa, signed_pdf: bytes, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.CRITICAL)  # pyHanko logs every failure it sees
    first, second = signed_range(signed_pdf)
    positions = [
        *first[:: max(1, len(first) // 40)],
        *second[:: max(1, len(second) // 20)],
        first[-1],
        second[-1],
    ]
    for position in positions:
        tampered = bytearray(signed_pdf)
        tampered[position] ^= 0x01
        status = check_pdf_signature(bytes(tampered), ca.trust_roots)
        assert not status.intact, f"flip at {position} went unnoticed"
        assert not status.ok
        assert status.problem


def test_bytes_appended_after_signing_are_reported(ca: LocalCa, signed_pdf: bytes):
    status = check_pdf_signature(signed_pdf + b"\n% appended\n", ca.trust_roots)
    assert status.intact
    assert not status.covers_whole_file
    assert not status.ok


def test_a_signer_from_another_ca_is_not_trusted(
    signed_pdf: bytes, caplog: pytest.LogCaptureFixture
):
    caplog.set_level(logging.CRITICAL)
    stranger = generate_local_ca(datetime.now(timezone.utc))
    status = check_pdf_signature(signed_pdf, stranger.trust_roots)
    assert status.intact and not status.trusted and not status.ok
    assert status.problem == "签名证书不受信任"


@pytest.mark.parametrize(
    "data", [b"", b"garbage", b"%PDF-1.4\n%%EOF\n", b"%PDF-1.7\n" + bytes(range(256))]
)
def test_garbage_gives_a_clear_result(ca: LocalCa, data: bytes):
    status = check_pdf_signature(data, ca.trust_roots)
    assert not status.signed and not status.intact and not status.ok
    assert status.problem


def test_an_unsigned_pdf_is_reported_unsigned(ca: LocalCa, unsigned_pdf: bytes):
    status = check_pdf_signature(unsigned_pdf, ca.trust_roots)
    assert not status.signed and not status.ok
    assert status.problem == "文件没有电子签名"


# -- local CA ----------------------------------------------------------------


def test_local_ca_saves_private_keys_owner_only_and_loads_back(tmp_path: Path):
    ca = generate_local_ca(NOW)
    save_local_ca(ca, tmp_path / "ca")
    assert load_local_ca(tmp_path / "ca") == ca
    for path in (tmp_path / "ca").iterdir():
        mode = stat.S_IMODE(path.stat().st_mode)
        assert mode == (0o600 if path.name.endswith(".key.pem") else 0o644), path


def test_a_key_directory_without_the_root_key_loads_and_signs(
    ca: LocalCa, unsigned_pdf: bytes, tmp_path: Path
):
    # Production: the bureau's key and certificate and the root certificate,
    # never the CA's private key.
    save_local_ca(ca, tmp_path)
    (tmp_path / "root-ca.key.pem").unlink()
    loaded = load_local_ca(tmp_path)
    assert loaded.root_key_pem is None
    assert loaded.signing_key_pem == ca.signing_key_pem
    signed = sign_pdf(unsigned_pdf, loaded.identity())
    status = check_pdf_signature(signed, loaded.trust_roots)
    assert status.ok, status
    assert BUREAU in status.signer_subject
    # Saved again, it stays without one.
    save_local_ca(loaded, tmp_path / "copy")
    assert sorted(p.name for p in (tmp_path / "copy").iterdir()) == [
        "bureau-signing.key.pem",
        "bureau-signing.pem",
        "root-ca.pem",
    ]


@pytest.mark.parametrize(
    "missing", ["bureau-signing.key.pem", "bureau-signing.pem", "root-ca.pem"]
)
def test_the_bureau_key_its_certificate_and_the_root_are_needed(
    ca: LocalCa, tmp_path: Path, missing: str
):
    save_local_ca(ca, tmp_path)
    (tmp_path / missing).unlink()
    with pytest.raises(FileNotFoundError):
        load_local_ca(tmp_path)


def test_ensure_local_ca_makes_it_once(tmp_path: Path):
    first = ensure_local_ca(tmp_path, NOW)
    assert ensure_local_ca(tmp_path, NOW) == first


def test_signing_certificate_names_the_bureau_and_allows_non_repudiation():
    ca = generate_local_ca(NOW)
    cert = x509.load_pem_x509_certificate(ca.signing_certificate_pem)
    root = x509.load_pem_x509_certificate(ca.root_certificate_pem)
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == BUREAU
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "CN"
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    assert not usage.key_cert_sign
    assert cert.issuer == root.subject
    assert cert.not_valid_before_utc < NOW < cert.not_valid_after_utc
    cert.verify_directly_issued_by(root)


# -- canonical fields ----------------------------------------------------------


def test_canonical_bytes_are_sorted_compact_utf8():
    fields = {"number": "LH-001", "holder": "陈*", "valid": True, "n": 3}
    expected = '{"holder":"陈*","n":3,"number":"LH-001","valid":true}'.encode()
    assert canonical_bytes(fields) == expected
    assert canonical_bytes(dict(reversed(list(fields.items())))) == expected


def test_canonical_bytes_refuse_ambiguous_values():
    with pytest.raises(ValueError):
        canonical_bytes({"x": float("nan")})
    with pytest.raises(TypeError):
        canonical_bytes({"issued_on": date(2026, 11, 28)})


FIELDS = {
    "number": "LH-JZZM-2026-000123",
    "holder_name": "陈*",
    "issued_on": "2026-11-28",
    "valid_until": "2027-05-27",
}


def test_signed_fields_verify_and_a_changed_field_fails(tmp_path: Path):
    signer = generate_ed25519_key(tmp_path, "2026-01")
    assert isinstance(signer, FieldSigner)
    signature = signer.sign(canonical_bytes(FIELDS))
    ring = load_key_ring(tmp_path)
    assert ring.verify("2026-01", canonical_bytes(FIELDS), signature)
    changed = {**FIELDS, "valid_until": "2037-05-27"}
    assert not ring.verify("2026-01", canonical_bytes(changed), signature)
    assert not ring.verify("2026-01", canonical_bytes(FIELDS), b"\0" * 64)


def test_old_signatures_still_verify_after_key_rotation(tmp_path: Path):
    old = generate_ed25519_key(tmp_path, "2025-01")
    old_signature = old.sign(canonical_bytes(FIELDS))
    new = generate_ed25519_key(tmp_path, "2026-01")
    new_fields = {**FIELDS, "number": "LH-JZZM-2026-000124"}
    new_signature = new.sign(canonical_bytes(new_fields))
    # The old private key is retired; only its public half stays.
    (tmp_path / "2025-01.key.pem").unlink()
    ring = load_key_ring(tmp_path)
    assert ring.key_ids == {"2025-01", "2026-01"}
    assert ring.verify("2025-01", canonical_bytes(FIELDS), old_signature)
    assert ring.verify("2026-01", canonical_bytes(new_fields), new_signature)
    assert not ring.verify("2026-01", canonical_bytes(FIELDS), old_signature)
    assert not ring.verify("2099-01", canonical_bytes(FIELDS), old_signature)
    active = load_ed25519_signer(tmp_path, "2026-01")
    assert ring.verify("2026-01", b"x", active.sign(b"x"))


def test_key_files_are_private_and_never_overwritten(tmp_path: Path):
    generate_ed25519_key(tmp_path, "k1")
    assert stat.S_IMODE((tmp_path / "k1.key.pem").stat().st_mode) == 0o600
    with pytest.raises(FileExistsError):
        generate_ed25519_key(tmp_path, "k1")
    with pytest.raises(ValueError):
        generate_ed25519_key(tmp_path, "../escape")


def test_a_ring_built_in_memory_verifies_a_signer():
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    signer = Ed25519Signer("mem", Ed25519PrivateKey.generate())
    ring = KeyRing({"mem": signer.public_key()})
    assert "mem" in ring
    assert ring.verify("mem", b"data", signer.sign(b"data"))
