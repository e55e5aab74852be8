"""The verification page: the HTML twin of ``GET /api/v1/verify/<token>``."""

from __future__ import annotations

from flask import current_app, render_template

from govcore.certificates import verification
from govcore.certificates.issuance import available
from govcore.clock import local_date, utcnow
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
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Robots-Tag"] = "noindex"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response
