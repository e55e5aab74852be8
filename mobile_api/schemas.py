"""marshmallow schemas of the mobile API: what goes in, what comes out.

Input schemas reject unknown keys (marshmallow's default), so a client can
never set a server-owned field such as ``status`` or ``reference_no``.
"""

from __future__ import annotations

from marshmallow import Schema, fields, validate

from govcore.catalog import Category

ID = fields.String(validate=validate.Length(min=1, max=40))


def _desc(text: str) -> dict[str, str]:
    return {"description": text}


class ErrorSchema(Schema):
    code = fields.String(metadata=_desc("机器可读的错误代码，如 prefill_tampered"))
    status = fields.Integer(metadata=_desc("HTTP 状态码"))
    message = fields.String(metadata=_desc("给用户看的中文说明"))
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata=_desc("按字段列出的错误"),
    )


def error_responses(blp, *statuses: int):  # type: ignore[no-untyped-def]
    """Document the error answers (one :class:`ErrorSchema`) of an operation of
    flask-smorest blueprint ``blp``: ``@error_responses(blp, 401, 404)``."""

    def decorate(view):  # type: ignore[no-untyped-def]
        for status in statuses:
            view = blp.alt_response(status, schema=ErrorSchema)(view)
        return view

    return decorate


# --------------------------------------------------------------- auth


class DevLoginSchema(Schema):
    id_number = fields.String(required=True, validate=validate.Length(max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=30))


class MiniProgramLoginSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=128))


class UserSchema(Schema):
    name_masked = fields.String()
    id_number_masked = fields.String()
    provider = fields.String()
    channel = fields.String()


class TokenSchema(Schema):
    token = fields.String(metadata=_desc("登录令牌，放在 Authorization: Bearer 头中"))
    expires_at = fields.DateTime()
    idle_timeout_seconds = fields.Integer()
    user = fields.Nested(UserSchema)


# --------------------------------------------------------------- items


class ItemQuerySchema(Schema):
    category = fields.String(validate=validate.OneOf([c.value for c in Category]))
    department = fields.String(validate=validate.Length(max=64))
    q = fields.String(
        validate=validate.Length(max=40),
        metadata=_desc("关键词或拼音首字母，如 gljt"),
    )


class ItemSummarySchema(Schema):
    code = fields.String()
    version = fields.Integer()
    name = fields.String()
    handling_item_name = fields.String()
    category = fields.String()
    category_label = fields.String()
    department = fields.String()
    department_code = fields.String()
    miaobao = fields.Boolean()
    miaopi = fields.String()
    proactive = fields.Boolean()


class ItemListSchema(Schema):
    items = fields.List(fields.Nested(ItemSummarySchema))


class GuideMaterialSchema(Schema):
    code = fields.String()
    name = fields.String()
    requirement = fields.String()
    requirement_label = fields.String()
    form = fields.String()
    how = fields.String(metadata=_desc("如何提供：电子证照免提交、告知承诺、上传…"))
    when = fields.String()


class LimitsSchema(Schema):
    case_type = fields.String()
    statutory_working_days = fields.Integer(allow_none=True)
    promised_working_days = fields.Integer()
    statutory_note = fields.String()
    on_site_visits = fields.Integer()


class ItemDetailSchema(ItemSummarySchema):
    impl_body = fields.String()
    service_objects = fields.List(fields.String())
    conditions = fields.List(fields.String())
    materials = fields.List(fields.Nested(GuideMaterialSchema))
    limits = fields.Nested(LimitsSchema)
    fee = fields.String()
    channels = fields.List(fields.String())
    location = fields.String()
    office_hours = fields.String()
    consult_phone = fields.String()
    complaint_phone = fields.String()
    legal_basis = fields.List(fields.String())
    no_miaopi_reason = fields.String()
    commitment_allowed = fields.Boolean()
    tolerance_allowed = fields.Boolean()
    result_name = fields.String()
    faq = fields.List(fields.String())


# --------------------------------------------------------------- applications


class PrincipalSchema(Schema):
    id_number = fields.String(required=True, validate=validate.Length(max=20))
    name = fields.String(required=True, validate=validate.Length(min=1, max=30))
    relation = fields.String(load_default="", validate=validate.Length(max=30))


class DraftCreateSchema(Schema):
    item_code = fields.String(required=True, validate=validate.Length(min=1, max=64))
    organisation = fields.String(
        validate=validate.Length(max=20),
        metadata=_desc("以单位名义申请时，单位的统一社会信用代码"),
    )
    on_behalf_of = fields.Nested(PrincipalSchema, metadata=_desc("代办：被代办人"))


class FieldsUpdateSchema(Schema):
    changes = fields.Dict(
        data_key="fields",
        keys=fields.String(validate=validate.Length(max=64)),
        values=fields.Raw(allow_none=True),
        required=True,
        metadata=_desc("要修改的字段：键为字段 key，值为新值；只发送修改过的字段"),
    )


class UploadSchema(Schema):
    file = fields.Raw(
        required=True,
        metadata={"type": "string", "format": "binary"},
    )


class ConsentSchema(Schema):
    confirmed = fields.Boolean(required=True)
    device = fields.String(validate=validate.Length(max=40))


class CommitmentSignSchema(Schema):
    text_sha256 = fields.String(
        required=True, validate=validate.Regexp(r"^[0-9a-f]{64}$")
    )
    consent = fields.Nested(ConsentSchema)
    signature_png = fields.String(
        validate=validate.Length(max=2_000_000),
        metadata=_desc("手写签名图片（PNG，base64）；无签名板时用 consent"),
    )


class CommitmentTextSchema(Schema):
    text = fields.String()
    text_sha256 = fields.String()


class CorrectionCreateSchema(Schema):
    field = fields.String(required=True, validate=validate.Length(min=1, max=64))
    claimed_value = fields.String(
        required=True, validate=validate.Length(min=1, max=200)
    )
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class HandoffClaimSchema(Schema):
    code = fields.String(required=True, validate=validate.Length(min=1, max=64))


class SourceSchema(Schema):
    path = fields.String()
    name = fields.String(metadata=_desc("数据来源部门/系统"))
    record_id = fields.String(allow_none=True)
    fetched_at = fields.DateTime(allow_none=True)


class FormFieldSchema(Schema):
    key = fields.String()
    label = fields.String()
    type = fields.String()
    required = fields.Boolean()
    editable = fields.Boolean(metadata=_desc("申请人能否修改"))
    value = fields.Raw(allow_none=True, metadata=_desc("个人信息已脱敏"))
    origin = fields.String(metadata=_desc("prefilled / entered / empty"))
    source = fields.Nested(SourceSchema, allow_none=True)
    problem = fields.String(allow_none=True)
    problem_label = fields.String(allow_none=True)
    choices = fields.List(fields.Raw(), allow_none=True)
    options = fields.List(fields.String())
    help = fields.String()


class FileSchema(Schema):
    id = fields.String()
    media_type = fields.String()
    size = fields.Integer()
    url = fields.String()
    created_at = fields.DateTime()


class ElicenceSchema(Schema):
    type = fields.String()
    type_label = fields.String()
    number_masked = fields.String()
    issuer = fields.String()
    source = fields.Nested(SourceSchema)


class MaterialStateSchema(Schema):
    code = fields.String()
    name = fields.String()
    requirement = fields.String()
    state = fields.String()
    state_label = fields.String()
    elicence = fields.Nested(ElicenceSchema, allow_none=True)
    data_source = fields.Nested(SourceSchema, allow_none=True)
    files = fields.List(fields.Nested(FileSchema))


class CommitmentStateSchema(Schema):
    allowed = fields.Boolean()
    offered = fields.Boolean()
    note = fields.String()
    signed_at = fields.DateTime(allow_none=True)
    text_sha256 = fields.String(allow_none=True)
    method = fields.String(allow_none=True)


class ToleranceStateSchema(Schema):
    allowed = fields.Boolean()
    offered = fields.Boolean()
    materials = fields.List(fields.String())
    deadline_working_days = fields.Integer(allow_none=True)
    materials_due_on = fields.Date(allow_none=True)


class HistorySchema(Schema):
    from_status = fields.String(allow_none=True)
    to_status = fields.String()
    to_label = fields.String()
    actor = fields.String()
    channel = fields.String()
    reason = fields.String()
    at = fields.DateTime()


class DataUsedSchema(Schema):
    field = fields.String()
    label = fields.String()
    source = fields.Nested(SourceSchema)


class CorrectionSchema(Schema):
    id = fields.String()
    field = fields.String()
    source_path = fields.String()
    status = fields.String(metadata=_desc("open, forwarded, resolved, rejected"))
    status_label = fields.String()
    forwarded_to = fields.String(allow_none=True, metadata=_desc("核实部门"))
    answer = fields.String(allow_none=True, metadata=_desc("核实部门的答复"))
    answered_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()


class FoundValueSchema(Schema):
    path = fields.String()
    value = fields.Raw(allow_none=True)
    source = fields.String()


class ExplanationSchema(Schema):
    check = fields.String()
    status = fields.String(metadata=_desc("failed 不符合 / unknown 无法核实"))
    required = fields.String(metadata=_desc("要求"))
    basis = fields.String(metadata=_desc("依据"))
    found = fields.List(fields.Nested(FoundValueSchema), metadata=_desc("数据显示"))
    unavailable = fields.List(fields.String(), metadata=_desc("暂时无法获取的数据源"))
    next_step = fields.String(metadata=_desc("下一步怎么办"))


class DecisionSchema(Schema):
    outcome = fields.String(
        metadata=_desc("approve 批准 / refuse 不予批准 / manual 人工审核")
    )
    automated = fields.Boolean()
    decided_at = fields.DateTime()
    rule_set = fields.String()
    reasons = fields.List(fields.String())
    outputs = fields.Dict(keys=fields.String(), values=fields.Raw())
    explanation = fields.List(fields.Nested(ExplanationSchema))
    can_request_review = fields.Boolean(metadata=_desc("可申请人工复核"))


class ReviewRequestSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=1, max=500))


class ReviewTaskSchema(Schema):
    id = fields.String()
    kind = fields.String()
    status = fields.String()
    due_on = fields.Date()


class ApplicantSchema(Schema):
    kind = fields.String()
    name_masked = fields.String()
    id_number_masked = fields.String()
    organisation_name = fields.String(allow_none=True)
    organisation_credit_code = fields.String(allow_none=True)
    agent_name_masked = fields.String(allow_none=True)
    agent_relation = fields.String(allow_none=True)


class EffortSchema(Schema):
    typed_fields = fields.Integer(metadata=_desc("申请人用键盘填写的字段数"))
    chosen_fields = fields.Integer(metadata=_desc("申请人点选（选项、是否）的字段数"))
    uploaded_files = fields.Integer(metadata=_desc("申请人上传的文件数"))
    prefilled_fields = fields.Integer()
    exempt_materials = fields.Integer(metadata=_desc("免提交的材料数"))


class ApplicationSummarySchema(Schema):
    id = fields.String()
    reference_no = fields.String()
    status = fields.String()
    status_label = fields.String()
    item_code = fields.String()
    item_name = fields.String()
    channel = fields.String()
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    submitted_at = fields.DateTime(allow_none=True)


class ApplicationListSchema(Schema):
    applications = fields.List(fields.Nested(ApplicationSummarySchema))


class ApplicationSchema(ApplicationSummarySchema):
    item_version = fields.Integer()
    applicant = fields.Nested(ApplicantSchema)
    form_fields = fields.List(fields.Nested(FormFieldSchema), data_key="fields")
    materials = fields.List(fields.Nested(MaterialStateSchema))
    commitment = fields.Nested(CommitmentStateSchema)
    tolerance = fields.Nested(ToleranceStateSchema)
    materials_due_on = fields.Date(allow_none=True)
    history = fields.List(fields.Nested(HistorySchema))
    data_used = fields.List(fields.Nested(DataUsedSchema))
    corrections = fields.List(fields.Nested(CorrectionSchema))
    effort = fields.Nested(EffortSchema)
    decision = fields.Nested(DecisionSchema, allow_none=True)


class HandoffSchema(Schema):
    code = fields.String()
    expires_at = fields.DateTime()
    claim_url = fields.String(metadata=_desc("手机扫码后调用的地址（二维码内容）"))


# --------------------------------------------------------------- staff


class StaffLoginSchema(Schema):
    username = fields.String(required=True, validate=validate.Length(min=1, max=40))
    password = fields.String(required=True, validate=validate.Length(min=1, max=200))
    otp = fields.String(
        load_default="",
        validate=validate.Length(max=10),
        metadata=_desc("动态口令（TOTP，6 位数字）"),
    )


class StaffSchema(Schema):
    username = fields.String()
    display_name = fields.String()
    roles = fields.List(
        fields.String(),
        metadata=_desc(
            "角色：operator / approver / supervisor / administrator / auditor / "
            "sysadmin（可兼任，如 administrator + auditor）"
        ),
    )
    role_label = fields.String()
    department = fields.String(allow_none=True, metadata=_desc("所属部门代码"))


class StaffTokenSchema(Schema):
    token = fields.String(
        metadata=_desc("工作人员令牌，放在 Authorization: Bearer 头中")
    )
    expires_at = fields.DateTime()
    idle_timeout_seconds = fields.Integer()
    staff = fields.Nested(StaffSchema)


class TaskQuerySchema(Schema):
    status = fields.String(
        load_default="open", validate=validate.OneOf(["open", "closed"])
    )


class CheckResultSchema(Schema):
    id = fields.String()
    outcome = fields.String()
    status = fields.String(metadata=_desc("passed / failed / unknown"))
    message = fields.String()
    values = fields.Raw(metadata=_desc("比对时的实际数据"))


class StaffTaskSchema(Schema):
    id = fields.String()
    kind = fields.String(
        metadata=_desc("manual_review 人工审核 / applicant_request 申请人申请复核")
    )
    status = fields.String()
    reason = fields.String()
    department = fields.String()
    created_at = fields.DateTime()
    due_on = fields.Date()
    overdue = fields.Boolean()
    closed_at = fields.DateTime(allow_none=True)
    result = fields.String(allow_none=True)
    application = fields.Nested(ApplicationSummarySchema)


class StaffTaskListSchema(Schema):
    tasks = fields.List(fields.Nested(StaffTaskSchema))


class StaffTaskDetailSchema(StaffTaskSchema):
    application_detail = fields.Nested(ApplicationSchema)
    checks = fields.List(fields.Nested(CheckResultSchema))


class ReviewDecisionSchema(Schema):
    approve = fields.Boolean(
        required=True, metadata=_desc("true 批准 / false 不予批准")
    )
    reason = fields.String(
        load_default="",
        validate=validate.Length(max=500),
        metadata=_desc("理由（不予批准时必填）"),
    )


# --------------------------------------------------------------- verification


class VerificationSchema(Schema):
    kind = fields.String(
        metadata=_desc("certificate 证照/批文 / refusal 决定书 / receipt 回执")
    )
    title = fields.String()
    number = fields.String()
    item_name = fields.String()
    department_name = fields.String()
    holder_name = fields.String(metadata=_desc("持有人（已脱敏）"))
    holder_id = fields.String(metadata=_desc("证件号码（已脱敏）"))
    issued_on = fields.Date()
    valid_until = fields.Date(allow_none=True)
    validity_text = fields.String()
    status = fields.String(
        metadata=_desc("valid 有效 / revoked 已撤销 / expired 已过期")
    )
    status_label = fields.String()
    revoked_on = fields.Date(allow_none=True)
    revoke_reason = fields.String(allow_none=True)
    signature_intact = fields.Boolean(metadata=_desc("记录签名完好（未被篡改）"))


class PdfCheckSchema(Schema):
    ok = fields.Boolean(metadata=_desc("签章完好、可信且与出具的文件一致"))
    signed = fields.Boolean()
    intact = fields.Boolean(metadata=_desc("签章覆盖的内容未被改动"))
    trusted = fields.Boolean(metadata=_desc("签章证书可信"))
    covers_whole_file = fields.Boolean()
    same_as_issued = fields.Boolean(metadata=_desc("与出具时的文件逐字节一致"))
    signer = fields.String(allow_none=True)
    problem = fields.String(allow_none=True)


class DocumentSchema(Schema):
    id = fields.String()
    kind = fields.String(
        metadata=_desc("certificate 证照/批文 / refusal 决定书 / receipt 回执")
    )
    title = fields.String()
    number = fields.String()
    issued_at = fields.DateTime()
    valid_until = fields.Date(allow_none=True)
    status = fields.String(metadata=_desc("valid / revoked / expired"))
    verify_url = fields.String(metadata=_desc("核验地址（二维码内容）"))
    pdf_url = fields.String(metadata=_desc("PDF 下载地址（需登录）"))


class DocumentListSchema(Schema):
    documents = fields.List(fields.Nested(DocumentSchema))


class RevocationSchema(Schema):
    reason = fields.String(required=True, validate=validate.Length(min=2, max=300))


class RevokedSchema(Schema):
    number = fields.String()
    status = fields.String()
    revoked_at = fields.DateTime()
    revoke_reason = fields.String()


# --------------------------------------------------------------- terminal agent


class TerminalEventSchema(Schema):
    event_id = fields.String(
        required=True,
        validate=validate.Length(min=8, max=64),
        metadata=_desc("终端生成的唯一事件编号；重发同一编号不会重复生效"),
    )
    kind = fields.String(required=True, validate=validate.Length(max=30))
    sent_at = fields.AwareDateTime(required=True, metadata=_desc("发送时间（含时区）"))
    data = fields.Dict(load_default=dict)


class TerminalEventResultSchema(Schema):
    event_id = fields.String()
    accepted = fields.Boolean(metadata=_desc("false：此前已收到同一事件"))


class CommandQuerySchema(Schema):
    wait = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=25),
        metadata=_desc("没有指令时最多等待的秒数（长轮询）"),
    )


class TerminalCommandSchema(Schema):
    id = fields.String()
    kind = fields.String(metadata=_desc("print_document / print_receipt / scan"))
    payload = fields.Dict()
    created_at = fields.DateTime()


class TerminalCommandListSchema(Schema):
    commands = fields.List(fields.Nested(TerminalCommandSchema))


class TicketQuerySchema(Schema):
    width_mm = fields.Integer(
        load_default=80,
        validate=validate.OneOf([58, 80]),
        metadata=_desc("小票纸宽度（毫米）"),
    )


class TicketSchema(Schema):
    width_mm = fields.Integer()
    elements = fields.List(
        fields.Dict(),
        metadata=_desc("text / rule / qr / feed / cut，按顺序打印"),
    )


class ScanPageResultSchema(Schema):
    pages = fields.Integer(metadata=_desc("本次扫描已收到的页数"))


class KioskLoginSchema(Schema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=8, max=64),
        metadata=_desc("终端欢迎页二维码中的一次性登录码"),
    )


class KioskLoginResultSchema(Schema):
    terminal = fields.String(metadata=_desc("已登录的终端名称"))
    location = fields.String()
