"""Public verification of result documents (no login), rate limited.

``GET /api/v1/verify/<token>`` is the JSON twin of the page at
``/verify/<token>``; ``POST …/document`` checks a PDF someone was given.
"""

from __future__ import annotations

from dataclasses import asdict
from typing import Any

from flask import request
from flask.views import MethodView
from mobile_api.blueprint import Blueprint

from govcore.certificates import verification
from govcore.clock import local_date, utcnow
from govcore.errors import UnsupportedMediaError, ValidationError
from mobile_api.schemas import (
    PdfCheckSchema,
    VerificationSchema,
    error_responses,
)
from mobile_api.services import documents

blp = Blueprint(
    "verify", __name__, url_prefix="/api/v1/verify", description="文书核验（公开）"
)
MAX_PDF_BYTES = 5 * 1024 * 1024


@blp.route("/<string:token>")
class Verify(MethodView):
    @blp.response(200, VerificationSchema)
    @error_responses(blp, 404, 429)
    def get(self, token: str) -> dict[str, Any]:
        """核验文书：真伪与状态（扫码所得令牌）"""
        result = verification.verify(
            token, services=documents(), today=local_date(utcnow())
        )
        return {**asdict(result), "status_label": result.status_label}


@blp.route("/<string:token>/document", methods=["POST"])
@blp.doc(
    requestBody={
        "required": True,
        "content": {
            "application/pdf": {"schema": {"type": "string", "format": "binary"}}
        },
    }
)
@blp.response(200, PdfCheckSchema)
@error_responses(blp, 404, 415, 422, 429)
def check_document(token: str) -> dict[str, Any]:
    """核验手中的 PDF：电子签章是否完好、是否与出具的文件一致"""
    if request.mimetype != "application/pdf":
        raise UnsupportedMediaError("请以 application/pdf 上传文书文件")
    pdf = request.get_data(cache=False)
    if not pdf or len(pdf) > MAX_PDF_BYTES:
        raise ValidationError("文件为空或超过 5 MB", field="body")
    checked = verification.check_pdf(token, pdf, services=documents())
    signature = checked.signature
    return {
        "ok": checked.ok,
        "signed": signature.signed,
        "intact": signature.intact,
        "trusted": signature.trusted,
        "covers_whole_file": signature.covers_whole_file,
        "same_as_issued": checked.same_as_issued,
        "signer": signature.signer_subject,
        "problem": signature.problem,
    }
