"""Building the result-document services from configuration.

Keys and the bureau's certificate are files: ``DOCUMENT_KEY_DIR`` holds the
Ed25519 field-signing keys (``<id>.key.pem`` / ``<id>.pub.pem``; the active id
signs, every public key verifies), ``DOCUMENT_PKI_DIR`` the PAdES signing
certificate, its key and the root certificate it chains to (never the root's
private key: only the demo's generated CA has one, and signing does not use
it). The standalone demo and the tests make both on first start; production
installs them (see docs/DEPLOY.md §2.5) and refuses to issue documents
without them.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from govcore.certificates.issuance import DocumentServices
from govcore.certificates.local_ca import ensure_local_ca, load_local_ca
from govcore.certificates.signing import (
    generate_ed25519_key,
    load_ed25519_signer,
    load_key_ring,
)
from govcore.clock import utcnow

log = logging.getLogger(__name__)


def document_services(
    config: Mapping[str, Any], instance_path: str
) -> DocumentServices | None:
    """The services, or ``None`` (logged) when keys are missing and may not be made."""
    key_dir = Path(config.get("DOCUMENT_KEY_DIR") or Path(instance_path) / "keys")
    pki_dir = Path(config.get("DOCUMENT_PKI_DIR") or Path(instance_path) / "pki")
    key_id = config["DOCUMENT_ACTIVE_KEY_ID"]
    generate = config.get("DOCUMENT_GENERATE_KEYS")
    try:
        signer = load_ed25519_signer(key_dir, key_id)
    except FileNotFoundError:
        if not generate:
            log.error("no document signing key %s in %s", key_id, key_dir)
            return None
        try:
            signer = generate_ed25519_key(key_dir, key_id)
        except FileExistsError:  # another process made it meanwhile
            signer = load_ed25519_signer(key_dir, key_id)
    try:
        ca = ensure_local_ca(pki_dir, utcnow()) if generate else load_local_ca(pki_dir)
    except FileNotFoundError as error:
        log.error("no PAdES signing certificate in %s: %s", pki_dir, error.filename)
        return None
    return DocumentServices(
        signer=signer,
        keyring=load_key_ring(key_dir),
        verify_base_url=config["VERIFY_BASE_URL"],
        pdf_identity=ca.identity(),
        trust_roots=ca.trust_roots,
    )
