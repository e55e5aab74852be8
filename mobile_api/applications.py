"""Applications through the phone: draft, fill, upload, commit, submit, follow.

Every ``{application_id}`` is the caller's own or answers 404, whatever the
verb: :func:`govcore.applications.get_application` sees to it.
"""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from mobile_api.blueprint import Blueprint

from govcore import applications as apps
from govcore import decisions
from govcore.applications.access import actor_label
from govcore.applications import Caller, Principal
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import ValidationError
from mobile_api.auth import BEARER, authenticated, require_login
from mobile_api.idempotent import REPLAYED_HEADER, idempotent, key_parameter
from mobile_api.present import application_detail, application_summary
from mobile_api.schemas import (
    error_responses,
    ApplicationListSchema,
    ApplicationSchema,
    CommitmentSignSchema,
    CommitmentTextSchema,
    CorrectionCreateSchema,
    CorrectionSchema,
    DraftCreateSchema,
    FieldsUpdateSchema,
    FileSchema,
    ReviewRequestSchema,
    ReviewTaskSchema,
    UploadSchema,
)
from mobile_api.services import (
    calendar,
    data_source,
    documents,
    file_store,
    upload_limits,
)

blp = Blueprint(
    "applications", __name__, url_prefix="/api/v1", description="办件：秒报全流程"
)
blp.before_request(require_login)


@blp.before_request
def _keep_committed_state() -> None:
    """Within one request, what a use case committed is what the answer shows:
    reading it all again after the commit (SQLAlchemy's default, for sessions
    that live longer) cost five to eight statements per answer."""
    db.session().expire_on_commit = False


@blp.teardown_request
def _expire_on_commit_again(_: BaseException | None) -> None:
    db.session().expire_on_commit = True


ONE = "/applications/<string:application_id>"


@blp.route("/applications")
class Applications(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(200, ApplicationListSchema)
    @error_responses(blp, 401)
    @authenticated
    def get(self, caller: Caller) -> dict[str, Any]:
        """我的办件（含草稿），最新的在前"""
        return {
            "applications": [
                application_summary(a) for a in apps.list_applications(caller)
            ]
        }

    @blp.doc(security=BEARER, parameters=[key_parameter(required=False)])
    @idempotent(required=False)
    @blp.arguments(DraftCreateSchema)
    @blp.response(201, ApplicationSchema, headers=REPLAYED_HEADER)
    @error_responses(blp, 401, 403, 404, 409, 422, 503)
    @authenticated
    def post(self, body: dict[str, Any], caller: Caller) -> dict[str, Any]:
        """新建草稿：自动预填共享数据，自动关联电子证照"""
        principal = body.get("on_behalf_of")
        application = apps.create_draft(
            body["item_code"],
            caller,
            source=data_source(),
            now=utcnow(),
            organisation=body.get("organisation"),
            principal=Principal(**principal) if principal else None,
        )
        return application_detail(application)


@blp.route(ONE)
class OneApplication(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(200, ApplicationSchema)
    @error_responses(blp, 401, 404)
    @authenticated
    def get(self, application_id: str, caller: Caller) -> dict[str, Any]:
        """办件详情：状态历史、使用了哪些数据、来自哪个部门"""
        return application_detail(apps.get_application(application_id, caller))

    @blp.doc(security=BEARER)
    @blp.arguments(FieldsUpdateSchema)
    @blp.response(200, ApplicationSchema)
    @error_responses(blp, 400, 401, 404, 409, 422)
    @authenticated
    def patch(
        self, body: dict[str, Any], application_id: str, caller: Caller
    ) -> dict[str, Any]:
        """修改草稿中可编辑的字段（预填的权威数据不可修改）"""
        application = apps.get_application(application_id, caller)
        apps.update_fields(application, body["changes"], caller, now=utcnow())
        return application_detail(application)


@blp.route(ONE + "/materials/<string:material_code>/uploads", methods=["POST"])
@blp.doc(security=BEARER)
@blp.arguments(UploadSchema, location="files")
@blp.response(201, FileSchema)
@error_responses(blp, 401, 404, 409, 413, 415, 422, 507)
@authenticated
def upload_material(
    files: dict[str, Any], application_id: str, material_code: str, caller: Caller
) -> dict[str, Any]:
    """上传一页材料（JPG/PNG 照片或扫描件；服务器重新编码并去除元数据）"""
    application = apps.get_application(application_id, caller)
    file = files["file"]
    try:
        data = file.read()
    finally:
        file.close()  # werkzeug's spooled temporary file
    record = apps.add_upload(
        application,
        material_code,
        data,
        caller,
        store=file_store(),
        source=data_source(),
        calendar=calendar(),
        documents=documents(),
        now=utcnow(),
        limits=upload_limits(),
    )
    return {
        "id": record.public_id,
        "media_type": record.media_type,
        "size": record.size,
        "url": url_for(
            "applications.UploadFile",
            application_id=application_id,
            upload_id=record.public_id,
        ),
        "created_at": record.created_at,
    }


@blp.route(ONE + "/uploads/<string:upload_id>")
class UploadFile(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(
        200,
        content_type="image/jpeg",
        description="上传的文件（已清洗），作为附件下载",
    )
    @error_responses(blp, 401, 404)
    @authenticated
    def get(self, application_id: str, upload_id: str, caller: Caller) -> Response:
        """下载已上传的材料"""
        application = apps.get_application(application_id, caller)
        record = apps.find_upload(application, upload_id)
        content = file_store().read(record.file_name or "")
        return Response(
            content,
            mimetype=record.media_type,
            headers={
                "Content-Disposition": f'attachment; filename="{record.file_name}"',
                "X-Content-Type-Options": "nosniff",
            },
        )

    @blp.doc(security=BEARER)
    @blp.response(204)
    @error_responses(blp, 401, 404, 409)
    @authenticated
    def delete(self, application_id: str, upload_id: str, caller: Caller) -> None:
        """删除草稿中已上传的一页材料"""
        application = apps.get_application(application_id, caller)
        apps.remove_upload(application, upload_id, store=file_store(), now=utcnow())


@blp.route(ONE + "/commitment")
class Commitment(MethodView):
    @blp.doc(security=BEARER)
    @blp.response(200, CommitmentTextSchema)
    @error_responses(blp, 401, 404, 409)
    @authenticated
    def get(self, application_id: str, caller: Caller) -> dict[str, Any]:
        """告知承诺书全文及其摘要（签署时回传摘要）"""
        application = apps.get_application(application_id, caller)
        text = apps.commitment_text(application)
        return {"text": text, "text_sha256": apps.text_digest(text)}

    @blp.doc(security=BEARER)
    @blp.arguments(CommitmentSignSchema)
    @blp.response(201, ApplicationSchema)
    @error_responses(blp, 401, 404, 409, 415, 422)
    @authenticated
    def post(
        self, body: dict[str, Any], application_id: str, caller: Caller
    ) -> dict[str, Any]:
        """签署告知承诺书（手写签名图片，或确认同意）"""
        application = apps.get_application(application_id, caller)
        apps.sign_commitment(
            application,
            caller,
            text_sha256=body["text_sha256"],
            now=utcnow(),
            store=file_store(),
            signature_png=_signature(body.get("signature_png")),
            consent=body.get("consent"),
        )
        return application_detail(application)


def _signature(encoded: str | None) -> bytes | None:
    if encoded is None:
        return None
    try:
        return base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError(
            "签名图片须为 base64 编码的 PNG（signature must be base64）",
            field="signature_png",
            code="invalid",
        ) from None


@blp.route(ONE + "/submit", methods=["POST"])
@blp.doc(security=BEARER, parameters=[key_parameter(required=True)])
@idempotent(required=True)
@blp.response(
    200,
    ApplicationSchema,
    headers=REPLAYED_HEADER,
)
@error_responses(blp, 400, 401, 404, 409, 422)
@authenticated
def submit(application_id: str, caller: Caller) -> dict[str, Any]:
    """提交申请（须带 Idempotency-Key 请求头；重复提交返回首次结果）"""
    application = apps.get_application(application_id, caller)
    apps.submit(
        application,
        caller,
        source=data_source(),
        calendar=calendar(),
        documents=documents(),
        now=utcnow(),
    )
    return application_detail(application)


@blp.route(ONE + "/corrections", methods=["POST"])
@blp.doc(security=BEARER)
@blp.arguments(CorrectionCreateSchema)
@blp.response(201, CorrectionSchema)
@error_responses(blp, 401, 404, 422)
@authenticated
def request_correction(
    body: dict[str, Any], application_id: str, caller: Caller
) -> dict[str, Any]:
    """对预填数据提出纠错申请（转数据来源部门核实）"""
    application = apps.get_application(application_id, caller)
    request = apps.request_correction(
        application,
        caller,
        field_key=body["field"],
        claimed_value=body["claimed_value"],
        reason=body["reason"],
        now=utcnow(),
    )
    return {
        "id": request.public_id,
        "field": request.field_key,
        "source_path": request.source_path,
        "status": request.status,
        "created_at": request.created_at,
    }


@blp.route(ONE + "/review-request", methods=["POST"])
@blp.doc(security=BEARER)
@blp.arguments(ReviewRequestSchema)
@blp.response(201, ReviewTaskSchema)
@error_responses(blp, 401, 404, 409, 422)
@authenticated
def request_review(
    body: dict[str, Any], application_id: str, caller: Caller
) -> dict[str, Any]:
    """对系统自动作出的不予批准申请人工复核（个人信息保护法第二十四条）"""
    application = apps.get_application(application_id, caller)
    task = decisions.request_review(
        application,
        actor=actor_label(application, caller),
        channel=caller.channel.value,
        reason=body["reason"],
        calendar=calendar(),
        now=utcnow(),
    )
    return {
        "id": task.public_id,
        "kind": task.kind,
        "status": task.status,
        "due_on": task.due_on,
    }
