"""The verification page: the HTML twin of ``GET /api/v1/verify/<token>``."""

from __future__ import annotations

from flask import Response, current_app, render_template

from govcore.certificates import delivery, verification
from govcore.certificates.issuance import available
from govcore.certificates.pickup import redeem_pickup
from govcore.clock import local_date, utcnow
from govcore.db import db
from verify_pages import bp


@bp.get("/<string:token>")
def show(token: str):  # type: ignore[no-untyped-def]
    """文书核验：真伪、状态、脱敏后的持证人信息"""
    services = available(current_app.extensions["miaopi.documents"])
    result = verification.verify(token, services=services, today=local_date(utcnow()))
    response = current_app.make_response(
        render_template("verify/document.html", doc=result)
    )
    # The page names a person (masked): not for shared caches or search engines.
    # (No Referer from these pages: webapp.security_headers.)
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    return response


@bp.get("/pickup/<string:token>")
def pickup(token: str) -> Response:
    """扫码领取: the PDF a kiosk could not print, by its one-time QR code."""
    document = redeem_pickup(token, now=utcnow())
    pdf = delivery.document_pdf(
        document,
        services=available(current_app.extensions["miaopi.documents"]),
        store=current_app.extensions["miaopi.filestore"],
    )
    db.session.commit()
    return Response(
        pdf,
        mimetype="application/pdf",
        headers={
            "Content-Disposition": f'attachment; filename="{document.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )
