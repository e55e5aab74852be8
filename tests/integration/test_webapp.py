"""The app factory, configuration, probes and error rendering."""

from __future__ import annotations

import io
from datetime import datetime, timezone
from pathlib import Path

import pytest
from reportlab.pdfgen import canvas

from govcore.certificates.local_ca import generate_local_ca, save_local_ca
from govcore.certificates.pades import check_pdf_signature, sign_pdf
from govcore.certificates.signing import generate_ed25519_key
from webapp import create_app


def test_healthz_answers_json(client) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json["status"] == "ok"


def test_readyz_checks_the_database(client) -> None:
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json == {"status": "ready", "database": "ok"}


def test_readyz_is_503_when_the_database_is_unreachable(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir" / "db.sqlite3"
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{missing}"})
    response = app.test_client().get("/readyz")
    assert response.status_code == 503
    assert response.json == {"status": "unavailable", "database": "down"}
    assert "sqlite" not in response.get_data(as_text=True).lower()


def test_unknown_api_url_is_a_json_404(client) -> None:
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.is_json
    assert response.json["code"] == "not_found"
    assert response.json["message"]


def test_unknown_page_is_an_html_404_in_chinese(client) -> None:
    response = client.get("/kiosk/no-such-screen")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "页面不存在" in response.get_data(as_text=True)


def test_central_role_refuses_to_start_without_a_secret(monkeypatch) -> None:
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app("central")


def test_central_role_refuses_to_start_without_a_database(monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "x" * 40)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    with pytest.raises(RuntimeError, match="SQLALCHEMY_DATABASE_URI"):
        create_app("central")


def test_central_role_reads_settings_from_the_environment(monkeypatch) -> None:
    monkeypatch.setenv("SECRET_KEY", "s" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("MIAOPI_DATAHUB_SANDBOX_UNAVAILABLE", '["CA"]')
    app = create_app("central")
    assert app.config["SECRET_KEY"] == "s" * 40
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite://"
    assert app.extensions["miaopi.datasource"].unavailable == {"CA"}


def test_standalone_generates_and_keeps_its_secret(monkeypatch, tmp_path: Path) -> None:
    monkeypatch.setenv("MIAOPI_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    first = create_app("standalone")
    second = create_app("standalone")
    secret_file = tmp_path / "instance" / "secret_key"
    assert len(first.config["SECRET_KEY"]) >= 32
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert secret_file.stat().st_mode & 0o777 == 0o600
    assert first.config["SQLALCHEMY_DATABASE_URI"].endswith("instance/miaopi.sqlite3")


def central_with_keys(monkeypatch, keys: Path, pki: Path):
    monkeypatch.setenv("SECRET_KEY", "k" * 40)
    monkeypatch.setenv("DATABASE_URL", "sqlite://")
    monkeypatch.setenv("MIAOPI_DOCUMENT_KEY_DIR", str(keys))
    monkeypatch.setenv("MIAOPI_DOCUMENT_PKI_DIR", str(pki))
    return create_app("central")


def installed_keys(tmp_path: Path, *, without: str) -> tuple[Path, Path]:
    """Document keys and a CA's files in two folders, one PKI file left out."""
    keys, pki = tmp_path / "keys", tmp_path / "pki"
    generate_ed25519_key(keys, "doc-1")
    save_local_ca(generate_local_ca(datetime.now(timezone.utc)), pki)
    (pki / without).unlink()
    return keys, pki


def test_central_role_signs_without_the_root_ca_private_key(
    monkeypatch, tmp_path: Path
) -> None:
    # As installed in production (docs/DEPLOY.md §2.5): the bureau's key and
    # certificate and the root certificate from the CA, no CA private key.
    keys, pki = installed_keys(tmp_path, without="root-ca.key.pem")
    app = central_with_keys(monkeypatch, keys, pki)
    services = app.extensions["miaopi.documents"]
    assert services is not None
    page = io.BytesIO()
    document = canvas.Canvas(page)
    document.drawString(72, 720, "certificate")
    document.save()
    signed = sign_pdf(page.getvalue(), services.pdf_identity)
    status = check_pdf_signature(signed, services.trust_roots)
    assert status.ok, status
    assert not (pki / "root-ca.key.pem").exists()  # nothing made it again


def test_central_role_issues_nothing_without_the_bureau_key(
    monkeypatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    keys, pki = installed_keys(tmp_path, without="bureau-signing.key.pem")
    app = central_with_keys(monkeypatch, keys, pki)
    assert app.extensions["miaopi.documents"] is None
    assert "bureau-signing.key.pem" in caplog.text
    assert not (pki / "bureau-signing.key.pem").exists()


def test_unknown_config_name_is_refused() -> None:
    with pytest.raises(RuntimeError, match="unknown MIAOPI_CONFIG"):
        create_app("staging")


def test_unknown_datahub_adapter_is_refused() -> None:
    with pytest.raises(ValueError, match="DATAHUB_ADAPTER"):
        create_app({"DATAHUB_ADAPTER": "carrier-pigeon"})


def test_gateway_adapter_needs_its_settings() -> None:
    with pytest.raises(Exception, match="DATAHUB_GATEWAY_URL"):
        create_app({"DATAHUB_ADAPTER": "gateway"})
