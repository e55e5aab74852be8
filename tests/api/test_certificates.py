"""Result documents through the API: issued with the decision, sealed, checked.

The whole path of a certificate is exercised with real tools: the PDF is
rasterised with pdftoppm, its QR code decoded with zxing-cpp, the decoded
address opened, the text read with pdftotext; a flipped byte breaks the PAdES
signature; a revocation shows on the verification page.
"""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa
import zxingcpp
from PIL import Image

from govcore.audit.log import AuditEvent
from govcore.certificates import delivery
from govcore.certificates.models import ResultDocument
from govcore.certificates.pdf import render_pdf
from govcore.clock import local_date, utcnow
from govcore.datahub.sandbox.service import SandboxDataSource
from govcore.db import db
from govcore.errors import ConflictError
from govcore.notifications import OutboxMessage
from tests.api.conftest import (
    PERSON,
    create_draft,
    criminal_record_certificate,
    dev_login,
)
from tests.api.test_staff_reviews import make_account, staff_login
from tests.components import require_tool
from tests.conftest import make_test_app

CHEN = PERSON["陈伯"]


def submit(client, persona: str, item: str = "aged-allowance", down=None, **body):
    auth = dev_login(client, persona)
    detail = create_draft(client, auth, item, **body)
    if down:
        client.application.extensions["miaopi.datasource"] = SandboxDataSource(
            unavailable=down
        )
    response = client.post(
        f"/api/v1/applications/{detail['id']}/submit",
        headers={**auth, "Idempotency-Key": f"{persona}-{item}"},
    )
    client.application.extensions["miaopi.datasource"] = SandboxDataSource()
    assert response.status_code == 200, response.json
    return auth, response.json


def documents(client, auth, application_id: str) -> list[dict]:
    response = client.get(
        f"/api/v1/applications/{application_id}/documents", headers=auth
    )
    assert response.status_code == 200, response.json
    return response.json["documents"]


def download(client, auth, document: dict) -> bytes:
    response = client.get(document["pdf_url"], headers=auth)
    assert response.status_code == 200, response.json
    assert response.mimetype == "application/pdf"
    return response.data


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    tool = require_tool("pdftotext", "poppler-utils")
    return subprocess.run(
        [tool, "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def qr_of(pdf: bytes, tmp_path: Path) -> str:
    path = tmp_path / "doc.pdf"
    path.write_bytes(pdf)
    tool = require_tool("pdftoppm", "poppler-utils")
    subprocess.run(
        [
            tool,
            "-r",
            "150",
            "-png",
            "-f",
            "1",
            "-l",
            "1",
            str(path),
            str(tmp_path / "p"),
        ],
        check=True,
    )
    (page,) = tmp_path.glob("p-*.png")
    (code,) = zxingcpp.read_barcodes(Image.open(page))
    return code.text


def test_certificate_round_trip_qr_verify_tamper_revoke(world, client, tmp_path):
    auth, result = submit(client, "陈伯")
    assert result["status"] == "approved"
    (certificate,) = documents(client, auth, result["id"])
    assert certificate["kind"] == "certificate"
    assert certificate["title"] == "高龄津贴审批结果通知书"
    year = local_date(utcnow()).year
    assert re.fullmatch(rf"LHMZ-[A-Z]{{2,6}}-{year}-\d{{6}}", certificate["number"])
    pdf = download(client, auth, certificate)

    # The QR code carries only the verification address with a random token.
    url = qr_of(pdf, tmp_path)
    assert url == certificate["verify_url"]
    token = url.rsplit("/", 1)[1]
    assert len(token) >= 22 and CHEN.id_number not in url and "陈" not in url
    verified = client.get(f"/api/v1/verify/{token}").json
    assert verified["status"] == "valid" and verified["signature_intact"] is True
    assert verified["holder_name"] == "陈*"
    assert verified["holder_id"] == "4405**********0010"
    page = client.get(url.replace("http://127.0.0.1:5000", ""))
    assert page.status_code == 200 and 'data-status="valid"' in page.text
    assert CHEN.id_number not in page.text and "陈伯" not in page.text

    # The text: Chinese, the number, the masked ID and never the full one.
    text = pdf_text(pdf, tmp_path)
    for expected in ("高龄津贴审批结果通知书", "汕头市龙湖区民政局", "80-89周岁"):
        assert expected in text
    assert certificate["number"] in text and "4405**********0010" in text
    assert CHEN.id_number not in text.replace(" ", "")

    # The file as issued checks out; one flipped byte breaks the seal.
    check = client.post(
        f"/api/v1/verify/{token}/document", data=pdf, content_type="application/pdf"
    ).json
    assert check["ok"] is True and check["same_as_issued"] is True
    middle = len(pdf) // 3
    tampered = pdf[:middle] + bytes([pdf[middle] ^ 0x01]) + pdf[middle + 1 :]
    broken = client.post(
        f"/api/v1/verify/{token}/document",
        data=tampered,
        content_type="application/pdf",
    ).json
    assert broken["ok"] is False and broken["intact"] is False
    assert broken["same_as_issued"] is False

    # A reviewer of the department revokes it; the page says so at once.
    staff_auth = staff_login(
        client, "wang.li", make_account(world, "wang.li", "approver", "lh-mz")
    )
    elsewhere = staff_login(
        client, "zhao.min", make_account(world, "zhao.min", "approver", "lh-rs")
    )
    revoke_url = f"/api/v1/staff/documents/{certificate['number']}/revocation"
    assert (
        client.post(revoke_url, json={"reason": "x" * 5}, headers=elsewhere).status_code
        == 404
    )
    revoked = client.post(
        revoke_url, json={"reason": "经核查申请人已死亡，停发"}, headers=staff_auth
    )
    assert revoked.status_code == 200, revoked.json
    assert client.get(f"/api/v1/verify/{token}").json["status"] == "revoked"
    page = client.get(f"/verify/{token}").text
    assert 'data-status="revoked"' in page and "经核查申请人已死亡" in page
    again = client.post(revoke_url, json={"reason": "再次"}, headers=staff_auth)
    assert again.status_code == 409
    detail = client.get(f"/api/v1/applications/{result['id']}", headers=auth).json
    assert detail["status"] == "revoked"
    with world.app_context():
        kinds = [m.kind for m in db.session.scalars(sa.select(OutboxMessage))]
        assert "certificate_revoked" in kinds


def test_downloads_and_reprints_return_the_same_file(world, client):
    auth, result = submit(client, "陈伯")
    (certificate,) = documents(client, auth, result["id"])
    first = download(client, auth, certificate)
    assert download(client, auth, certificate) == first
    services = world.extensions["miaopi.documents"]
    store = world.extensions["miaopi.filestore"]
    with world.app_context():
        document = db.session.scalars(sa.select(ResultDocument)).one()

        def print_it() -> bytes:
            return delivery.print_document(
                document,
                actor="applicant",
                channel="kiosk",
                services=services,
                store=store,
                now=utcnow(),
            )

        printed = [print_it() for _ in range(1 + delivery.REPRINT_LIMIT)]
        assert all(p == first for p in printed)
        with pytest.raises(ConflictError) as raised:
            print_it()
        assert raised.value.code == "reprint_limit"
        document = db.session.scalars(sa.select(ResultDocument)).one()
        assert document.prints == 1 + delivery.REPRINT_LIMIT
        actions = list(
            db.session.scalars(
                sa.select(AuditEvent.action).where(
                    AuditEvent.action.like("document_%printed")
                )
            )
        )
        assert actions == ["document_printed"] + ["document_reprinted"] * 5
    detail = client.get(f"/api/v1/applications/{result['id']}", headers=auth).json
    assert detail["status"] == "certificate_issued"


def test_rendering_is_deterministic(world, client):
    auth, result = submit(client, "陈伯")
    with world.app_context():
        document = db.session.scalars(sa.select(ResultDocument)).one()
        content = delivery.content_of(document)
        assert render_pdf(content) == render_pdf(delivery.content_of(document))


def test_refusal_gives_a_written_decision_with_remedies(world, client, tmp_path):
    auth, result = submit(client, "李振华")
    assert result["status"] == "refused"
    (refusal,) = documents(client, auth, result["id"])
    assert refusal["kind"] == "refusal" and refusal["title"] == "不予批准决定书"
    assert f"-BY-{local_date(utcnow()).year}-" in refusal["number"]
    text = re.sub(r"\s", "", pdf_text(download(client, auth, refusal), tmp_path))
    assert "不予批准的理由" in text and "80" in text
    assert "行政复议" in text and "行政诉讼" in text
    assert "个人信息保护法" in text  # the right to a human review


def test_manual_review_gives_a_receipt_with_the_due_date(world, client, tmp_path):
    auth, result = submit(client, "陈伯", down={"SI"})
    assert result["status"] == "manual_review"
    (receipt,) = documents(client, auth, result["id"])
    assert receipt["kind"] == "receipt" and receipt["title"] == "受理回执"
    text = re.sub(r"\s", "", pdf_text(download(client, auth, receipt), tmp_path))
    assert "承诺办结日期" in text and result["reference_no"] in text
    assert "汕头市龙湖区民政局工作人员审核" in text


def test_unknown_tokens_are_not_found(world, client):
    assert client.get("/api/v1/verify/" + "A" * 43).status_code == 404
    assert client.get("/verify/" + "A" * 43).status_code == 404
    assert client.get("/api/v1/verify/short").status_code == 404


def test_verification_is_rate_limited():
    app = make_test_app("sqlite://", VERIFY_RATE_LIMIT="3 per minute")
    with app.app_context():
        db.create_all()
    client = app.test_client()
    codes = [client.get("/api/v1/verify/" + "B" * 43).status_code for _ in range(5)]
    assert codes == [404, 404, 404, 429, 429]
    limited = client.get("/verify/" + "B" * 43)
    assert limited.status_code == 429


def test_another_persons_documents_are_not_found(world, client):
    auth, result = submit(client, "陈伯")
    (certificate,) = documents(client, auth, result["id"])
    other = dev_login(client, "李振华")
    assert client.get(certificate["pdf_url"], headers=other).status_code == 404
    listing = client.get(
        f"/api/v1/applications/{result['id']}/documents", headers=other
    )
    assert listing.status_code == 404


def test_staff_review_approval_issues_the_certificate(world, client):
    auth, result = submit(client, "陈伯", down={"SI"})
    staff_auth = staff_login(
        client, "wang.li", make_account(world, "wang.li", "approver", "lh-mz")
    )
    (task,) = client.get("/api/v1/staff/review-tasks", headers=staff_auth).json["tasks"]
    client.post(
        f"/api/v1/staff/review-tasks/{task['id']}/decision",
        json={"approve": True, "reason": "核实后批准"},
        headers=staff_auth,
    )
    kinds = [d["kind"] for d in documents(client, auth, result["id"])]
    assert kinds == ["receipt", "certificate"]


def test_a_failure_after_the_certificate_rolls_everything_back(
    world, client, monkeypatch
):
    auth = dev_login(client, "陈伯")
    detail = create_draft(client, auth, "aged-allowance")

    def broken_audit(*args, **kwargs):
        raise RuntimeError("disk full")

    # Fails after the decision, the certificate and the outbox row were added.
    monkeypatch.setattr(
        "govcore.applications.submission.audit.record_event", broken_audit
    )
    response = client.post(
        f"/api/v1/applications/{detail['id']}/submit",
        headers={**auth, "Idempotency-Key": "boom"},
    )
    assert response.status_code == 500
    with world.app_context():
        assert db.session.scalar(sa.select(sa.func.count(ResultDocument.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(OutboxMessage.id))) == 0
    monkeypatch.undo()
    after = client.get(f"/api/v1/applications/{detail['id']}", headers=auth).json
    assert after["status"] == "draft"


def test_key_rotation_keeps_old_documents_valid(world, client, tmp_path):
    from govcore.certificates.signing import generate_ed25519_key, load_key_ring
    from dataclasses import replace

    auth, old = submit(client, "陈伯")
    (old_doc,) = documents(client, auth, old["id"])
    services = world.extensions["miaopi.documents"]
    key_dir = Path(world.config["DOCUMENT_KEY_DIR"])
    new_signer = generate_ed25519_key(key_dir, f"rotated-{pyotp.random_base32()[:6]}")
    world.extensions["miaopi.documents"] = replace(
        services, signer=new_signer, keyring=load_key_ring(key_dir)
    )
    auth2, new = submit(client, "沈德茂")
    (new_doc,) = documents(client, auth2, new["id"])
    for doc in (old_doc, new_doc):
        token = doc["verify_url"].rsplit("/", 1)[1]
        assert client.get(f"/api/v1/verify/{token}").json["signature_intact"] is True
    with world.app_context():
        keys = set(db.session.scalars(sa.select(ResultDocument.key_id)))
        assert keys == {services.signer.key_id, new_signer.key_id}
        # A record edited in the database no longer matches its signature.
        document = db.session.scalars(
            sa.select(ResultDocument).where(ResultDocument.number == old_doc["number"])
        ).one()
        document.fields = {
            **document.fields,
            "holder_masked": {"name": "王*", "id": "x"},
        }
        db.session.commit()
    token = old_doc["verify_url"].rsplit("/", 1)[1]
    assert client.get(f"/api/v1/verify/{token}").json["signature_intact"] is False
    assert 'data-status="tampered"' in client.get(f"/verify/{token}").text


def test_the_holders_own_criminal_record_certificate_shows_the_full_id(
    world, client, tmp_path
):
    """无犯罪记录证明 is matched to the ID card by third parties: the holder's
    copy prints the number in full (the item says why); the QR page masks it."""
    person = PERSON["陈志明"]
    auth = dev_login(client, "陈志明")
    result = criminal_record_certificate(client, auth)
    (certificate,) = documents(client, auth, result["id"])
    assert certificate["valid_until"] is not None
    text = re.sub(r"\s", "", pdf_text(download(client, auth, certificate), tmp_path))
    assert person.id_number in text
    assert "未发现有犯罪记录" in text and ("性别男" in text or "性别女" in text)
    token = certificate["verify_url"].rsplit("/", 1)[1]
    page = client.get(f"/verify/{token}").text
    assert person.id_number not in page
    assert person.id_number[:4] + "*" * 10 + person.id_number[-4:] in page


@pytest.mark.parametrize("width", [58, 80])
def test_the_receipt_ticket_goes_to_the_printer_as_esc_pos(world, client, width):
    from escpos.printer import Dummy

    from devices.printers.escpos_ticket import EscposReceiptPrinter

    auth, result = submit(client, "陈伯", down={"SI"})
    with world.app_context():
        document = db.session.scalars(sa.select(ResultDocument)).one()
        ticket = delivery.ticket_for(document, width_mm=width)
        verify_url = document.fields["verify_url"]
    printer = EscposReceiptPrinter(Dummy(), width_mm=width)
    printer.print_ticket(ticket)
    stream = printer.printer.output
    assert stream.startswith(b"\x1b@")  # ESC @
    assert result["reference_no"].encode() in stream
    assert "高龄老人津贴申领".encode("gb18030") in stream
    assert "已受理".encode("gb18030") in stream
    assert b"\x1d(k" in stream and verify_url.encode() in stream  # firmware QR
    assert b"\x1dV" in stream  # GS V: cut
    assert CHEN.id_number.encode() not in stream
    assert "陈伯".encode("gb18030") not in stream


def test_a_certificate_past_its_validity_shows_as_expired(world, client):
    from datetime import timedelta

    from govcore.certificates import verification

    auth = dev_login(client, "陈志明")
    detail = create_draft(client, auth, "no-criminal-record-certificate")
    client.patch(
        f"/api/v1/applications/{detail['id']}",
        json={"fields": {"purpose": "就业"}},
        headers=auth,
    )
    client.post(
        f"/api/v1/applications/{detail['id']}/submit",
        headers={**auth, "Idempotency-Key": "ncr-expiry"},
    )
    (certificate,) = documents(client, auth, detail["id"])
    token = certificate["verify_url"].rsplit("/", 1)[1]
    services = world.extensions["miaopi.documents"]
    with world.app_context():
        document = verification.find_by_token(token)
        last_day = document.valid_until
        assert last_day is not None
        on_last_day = verification.verify(token, services=services, today=last_day)
        after = verification.verify(
            token, services=services, today=last_day + timedelta(days=1)
        )
    assert on_last_day.status == "valid"
    assert after.status == "expired" and after.status_label == "已过期"
