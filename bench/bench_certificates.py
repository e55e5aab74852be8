"""Benchmarks of result documents: render the PDF, PAdES-sign it, check it,
and look a document up by its QR token.

Run: ``.venv/bin/python bench/bench_certificates.py [DATABASE_URL]``. The
rendering rounds are in memory, with no database and no app. The document is
a one-page 居住证明 with six fields, a note, the seal and the QR code; the
signing key is EC P-256 from a local CA made at start. The first render
(which registers and parses the 16 MB font collection) is measured apart from
the rounds.
"""

from __future__ import annotations

import statistics
import sys
import time
from datetime import date, datetime, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from govcore.certificates.document import (  # noqa: E402
    DocumentContent,
    DocumentKind,
    NoteSection,
)
from govcore.certificates.local_ca import generate_local_ca  # noqa: E402
from govcore.certificates.pades import check_pdf_signature, sign_pdf  # noqa: E402
from govcore.certificates.pdf import render_pdf  # noqa: E402

ROUNDS = 50
LOOKUPS = 500


def report(name: str, samples: list[float]) -> None:
    """Print the median and p95 of ``samples`` (milliseconds)."""
    samples = sorted(samples)
    p95 = samples[min(len(samples) - 1, int(len(samples) * 0.95))]
    print(
        f"{name:52} median {statistics.median(samples):9.3f} ms   "
        f"p95 {p95:9.3f} ms   n={len(samples)}"
    )


def sample_content(serial: int) -> DocumentContent:
    return DocumentContent(
        kind=DocumentKind.CERTIFICATE,
        title="居住证明",
        department_name="汕头市龙湖区政务服务数据管理局",
        number=f"LH-JZZM-2026-{serial:06d}",
        issued_on=date(2026, 11, 28),
        holder=(("姓名", "陈*"), ("公民身份号码", "4405**********1234")),
        fields=(
            ("居住地址", "广东省汕头市龙湖区长平路街道金霞社区金砂东路128号3幢502房"),
            ("居住起始日期", "2019年5月1日"),
            ("证明事项", "兹证明上述人员在本辖区居住满六个月以上，情况属实。"),
        ),
        valid_until=date(2027, 5, 27),
        verify_url=f"https://zwfw.longhu.gov.cn/verify/BENCH{serial:020d}",
        notes=(NoteSection("说明", ("本证明仅用于办理子女入学、就业登记等事项。",)),),
        footer="本文件由汕头市龙湖区秒批秒报系统生成。",
        seal_caption="政务服务专用章",
    )


def timed(action) -> tuple[float, object]:
    start = time.perf_counter()
    result = action()
    return (time.perf_counter() - start) * 1000, result


def main() -> None:
    ca = generate_local_ca(datetime.now(timezone.utc))
    identity = ca.identity()
    first, pdf = timed(lambda: render_pdf(sample_content(0)))
    print(f"{'first render (font registration included)':52} {first:9.3f} ms")
    print(f"PDF size: {len(pdf)} bytes unsigned")
    renders, signs, both, checks = [], [], [], []
    for serial in range(1, ROUNDS + 1):
        content = sample_content(serial)
        elapsed, pdf = timed(lambda: render_pdf(content))
        renders.append(elapsed)
        elapsed, signed = timed(lambda: sign_pdf(pdf, identity))
        signs.append(elapsed)
        both.append(renders[-1] + signs[-1])
        elapsed, status = timed(lambda: check_pdf_signature(signed, ca.trust_roots))
        checks.append(elapsed)
        assert status.ok, status
    print(f"PDF size: {len(signed)} bytes signed")
    report("render_pdf (A4, 1 page)", renders)
    report("sign_pdf (PAdES B-B, EC P-256)", signs)
    report("render + sign", both)
    report("check_pdf_signature", checks)
    verification_lookup()


def verification_lookup() -> None:
    """``GET /api/v1/verify/<token>`` through the app, after a real approval
    (the demo app with the catalogue and sandbox, as the other benchmarks)."""
    from bench.common import demo_app

    app = demo_app(people=0)
    client = app.test_client()
    persona = {"id_number": "440507194401150010", "name": "陈伯"}
    token = client.post("/api/v1/auth/dev-login", json=persona).json["token"]
    auth = {"Authorization": f"Bearer {token}"}
    draft = client.post(
        "/api/v1/applications", json={"item_code": "aged-allowance"}, headers=auth
    ).json
    client.post(
        f"/api/v1/applications/{draft['id']}/submit",
        headers={**auth, "Idempotency-Key": "bench"},
    )
    documents = client.get(
        f"/api/v1/applications/{draft['id']}/documents", headers=auth
    ).json["documents"]
    url = "/api/v1/verify/" + documents[0]["verify_url"].rsplit("/", 1)[1]
    assert client.get(url).json["status"] == "valid"
    samples = []
    for _ in range(LOOKUPS):
        elapsed, response = timed(lambda: client.get(url))
        assert response.status_code == 200
        samples.append(elapsed)
    report("GET /api/v1/verify/<token> (through the app)", samples)


if __name__ == "__main__":
    main()
