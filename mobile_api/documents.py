"""The applicant's result documents: list and download (the sealed PDF)."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from mobile_api.blueprint import Blueprint

from govcore import applications as apps
from govcore.applications import Caller
from govcore.certificates import delivery, verification
from govcore.clock import local_date, utcnow
from mobile_api.auth import BEARER, authenticated, require_login
from mobile_api.schemas import DocumentListSchema, error_responses
from mobile_api.services import documents, file_store

blp = Blueprint(
    "documents",
    __name__,
    url_prefix="/api/v1",
    description="结果文书：证照、决定书、回执",
)
blp.before_request(require_login)
ONE = "/applications/<string:application_id>/documents"


@blp.route(ONE)
class Documents(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(200, DocumentListSchema)
    @error_responses(blp, 401, 404)
    @authenticated
    def get(self, application_id: str, caller: Caller) -> dict[str, Any]:
        """本办件的结果文书"""
        application = apps.get_application(application_id, caller)
        today = local_date(utcnow())
        return {
            "documents": [
                {
                    "id": d.public_id,
                    "kind": d.kind,
                    "title": d.title,
                    "number": d.number,
                    "issued_at": d.issued_at,
                    "valid_until": d.valid_until,
                    "status": verification.status_of(d, today),
                    "verify_url": d.fields["verify_url"],
                    "pdf_url": url_for(
                        "documents.DocumentPdf",
                        application_id=application_id,
                        document_id=d.public_id,
                    ),
                }
                for d in verification.documents_of(application.id)
            ]
        }


@blp.route(ONE + "/<string:document_id>/pdf")
class DocumentPdf(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(200, content_type="application/pdf", description="加盖电子签章的 PDF")
    @error_responses(blp, 401, 404)
    @authenticated
    def get(self, application_id: str, document_id: str, caller: Caller) -> Response:
        """下载结果文书（PDF，加盖电子签章，可扫码核验）"""
        application = apps.get_application(application_id, caller)
        document = verification.document_of(application.id, document_id)
        pdf = delivery.document_pdf(document, services=documents(), store=file_store())
        return Response(
            pdf,
            mimetype="application/pdf",
            headers={
                # The number, not the holder's name: names stay out of file names.
                "Content-Disposition": f'attachment; filename="{document.number}.pdf"',
                "X-Content-Type-Options": "nosniff",
            },
        )
