"""The catalogue file format: departments and items (事项) as validated data.

The catalogue is data, kept as YAML under ``catalog/``. These pydantic models
define what a file may contain and check it on load; unknown keys are errors, so
a misspelt field never silently disappears. Field names follow the standard
implementation-list elements (实施清单要素) and the project's extension fields;
see ``docs/catalog.md``.

pydantic does the structural validation because it reports every error with its
location; the cross-references (departments, e-licence types, data-source paths,
material codes) are checked in :mod:`govcore.catalog.loader`.
"""

from __future__ import annotations

import enum
from datetime import date
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from govcore.rules.schema import RuleSetDef


class Category(enum.StrEnum):
    """The 6+1 categories of on-application items (依申请六类行政权力 + 公共服务)."""

    XK = "XK"  # 行政许可
    GF = "GF"  # 行政给付
    QR = "QR"  # 行政确认
    JL = "JL"  # 行政奖励
    CJ = "CJ"  # 行政裁决
    QT = "QT"  # 其他行政权力（含行政备案）
    GG = "GG"  # 公共服务

    @property
    def label(self) -> str:
        return CATEGORY_LABELS[self]


CATEGORY_LABELS: dict[Category, str] = {
    Category.XK: "行政许可",
    Category.GF: "行政给付",
    Category.QR: "行政确认",
    Category.JL: "行政奖励",
    Category.CJ: "行政裁决",
    Category.QT: "其他行政权力",
    Category.GG: "公共服务",
}


class Channel(enum.StrEnum):
    KIOSK = "kiosk"  # 粤智助-style self-service terminal
    MOBILE = "mobile"  # mini-program / 粤省事
    COUNTER = "counter"  # staff at the hall window


class MiaopiLevel(enum.StrEnum):
    """Whether the rules can decide the item without a person (秒批)."""

    YES = "Y"
    PARTIAL = "PARTIAL"
    NO = "N"


class VersionStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    RETIRED = "retired"


class FieldType(enum.StrEnum):
    STRING = "string"
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    BOOLEAN = "boolean"
    DATE = "date"
    ENUM = "enum"
    PHONE = "phone"
    ID_NUMBER = "id_number"
    CREDIT_CODE = "credit_code"
    DIVISION_CODE = "division_code"
    ADDRESS = "address"


class Requirement(enum.StrEnum):
    REQUIRED = "required"  # 必要
    OPTIONAL = "optional"  # 非必要
    TOLERABLE = "tolerable"  # 容缺: may be supplied after acceptance


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)


NonEmpty = Annotated[str, Field(min_length=1)]
Code = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,62}$")]


class DepartmentDef(Strict):
    code: Code
    name: NonEmpty
    short_name: NonEmpty
    credit_code: Annotated[str, Field(pattern=r"^[0-9A-Z]{18}$")]
    division_code: Annotated[str, Field(pattern=r"^\d{6}$")]
    seal_text: NonEmpty
    address: str = ""
    phone: str = ""


class DepartmentsFile(Strict):
    departments: list[DepartmentDef] = Field(min_length=1)


class LegalBasis(Strict):
    title: NonEmpty
    article: str = ""
    text: str = ""


class Fee(Strict):
    charged: bool = False
    standard: str = ""
    basis: str = ""


class Reform(Strict):
    """The 秒报/秒批/免申即享 flags and the reason when an item cannot be 秒批."""

    miaobao: bool
    miaopi: MiaopiLevel
    no_miaopi_reason: str = ""
    proactive: bool = False
    proactive_trigger: str = ""
    modes: list[
        Literal["表单预填", "电子证照免提交", "数据核验", "规则自动比对", "主动推送"]
    ] = Field(default_factory=list)

    @model_validator(mode="after")
    def _reason_when_not_miaopi(self) -> Reform:
        if self.miaopi is not MiaopiLevel.YES and not self.no_miaopi_reason:
            raise ValueError("no_miaopi_reason is required when miaopi is not Y")
        if self.proactive and not self.proactive_trigger:
            raise ValueError("proactive_trigger is required when proactive is true")
        return self


class FormField(Strict):
    """One field of the application form, optionally prefilled from shared data."""

    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    label: NonEmpty
    type: FieldType
    required: bool = True
    prefill: str | None = None  # a source path such as "HK.address"
    editable: bool = True  # False: authoritative, locked once prefilled
    options: list[NonEmpty] = Field(default_factory=list)
    help: str = ""

    @model_validator(mode="after")
    def _consistent(self) -> FormField:
        if self.type is FieldType.ENUM and not self.options:
            raise ValueError("an enum field needs options")
        if self.type is not FieldType.ENUM and self.options:
            raise ValueError("only an enum field has options")
        if not self.editable and not self.prefill:
            raise ValueError("a locked field (editable: false) needs a prefill source")
        return self


class Material(Strict):
    code: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    name: NonEmpty
    requirement: Requirement = Requirement.REQUIRED
    form: Literal["原件", "复印件", "电子", "原件或电子"] = "电子"
    copies: Annotated[int, Field(ge=0, le=10)] = 1
    origin: Literal["申请人自备", "政府部门核发", "中介机构", "系统生成"] = "申请人自备"
    elicence: str | None = None  # e-licence type that replaces it (免提交)
    data_check: str | None = None  # source path whose data replaces it (免提交)
    commitment: bool = False  # a signed 告知承诺 may replace it
    when: str = ""  # the case in which it is needed, in plain words
    notes: str = ""


class Commitment(Strict):
    """告知承诺: what a signed commitment replaces and how it is checked later."""

    allowed: bool = False
    replaces: list[str] = Field(default_factory=list)  # material codes
    conditions: list[NonEmpty] = Field(default_factory=list)
    verification: str = ""
    verify_within_days: int | None = None

    @model_validator(mode="after")
    def _complete(self) -> Commitment:
        if self.allowed and not (self.replaces or self.conditions):
            raise ValueError(
                "an allowed commitment must replace materials or conditions"
            )
        if self.allowed and not self.verification:
            raise ValueError("an allowed commitment needs a verification method")
        return self


class Tolerance(Strict):
    """容缺受理: which secondary materials may be supplied later, and by when."""

    allowed: bool = False
    materials: list[str] = Field(default_factory=list)  # material codes
    deadline_working_days: int | None = None
    on_lapse: Literal["", "refuse", "manual_review", "withdraw"] = ""

    @model_validator(mode="after")
    def _complete(self) -> Tolerance:
        if self.allowed and not (
            self.materials and self.deadline_working_days and self.on_lapse
        ):
            raise ValueError(
                "allowed 容缺 needs materials, deadline_working_days and on_lapse"
            )
        return self


class ResultField(Strict):
    key: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]{0,62}$")]
    label: NonEmpty
    # Where the value comes from, in the rule language (e.g. ``HK.sex``); when
    # absent: a standard key (number, issuer, dates, holder), then the rules'
    # output, then the form field of the same key (govcore.certificates.fields).
    value: str | None = None


class ValidFor(Strict):
    """How long the document is valid from its issue date."""

    years: Annotated[int, Field(ge=0, le=100)] = 0
    months: Annotated[int, Field(ge=0, le=1200)] = 0
    days: Annotated[int, Field(ge=0, le=36500)] = 0

    @model_validator(mode="after")
    def _some(self) -> ValidFor:
        if not (self.years or self.months or self.days):
            raise ValueError("valid_for needs years, months or days")
        return self


class ResultDocument(Strict):
    name: NonEmpty
    type: Literal["证照", "批文", "其他"]
    fields: list[ResultField] = Field(min_length=1)
    validity: str = ""
    valid_for: ValidFor | None = None
    # The holder's own copy shows the full ID number only where the document
    # is presented to third parties who must match it to the ID card; say why.
    full_id_number_reason: str = ""
    delivery: list[Literal["电子证照", "窗口领取", "自助打印", "邮寄", "短信告知"]] = (
        Field(min_length=1)
    )
    refusal_name: NonEmpty = "不予许可决定书"


class Limits(Strict):
    case_type: Literal["即办件", "承诺件"]
    statutory_working_days: int | None = None  # None: no statutory limit (无)
    promised_working_days: int = 0  # 0: decided on the spot
    statutory_note: str = ""
    on_site_visits: Annotated[int, Field(ge=0, le=3)] = 0

    @model_validator(mode="after")
    def _promised_within_statutory(self) -> Limits:
        if (
            self.statutory_working_days is not None
            and self.promised_working_days > self.statutory_working_days
        ):
            raise ValueError("promised_working_days exceeds statutory_working_days")
        return self


class ItemDef(Strict):
    """One item (事项) version as it stands in a catalogue file."""

    code: Code
    version: Annotated[int, Field(ge=1)]
    status: VersionStatus = VersionStatus.DRAFT
    effective_from: date
    effective_to: date | None = None
    name: NonEmpty
    sub_item_name: str = ""
    handling_item_name: NonEmpty
    base_code: Annotated[str, Field(pattern=r"^\d{12}$")]
    handling_seq: Annotated[str, Field(pattern=r"^\d{2}$")] = "01"
    category: Category
    department: Code
    impl_body: NonEmpty
    impl_body_nature: Literal["法定机关", "授权组织", "受委托组织"] = "法定机关"
    entrusting_dept: str = ""
    exercise_level: Literal["国家", "省", "市", "县", "乡", "村"] = "县"
    power_source: str = "法定本级行使"
    service_objects: list[
        Literal[
            "自然人",
            "企业法人",
            "事业法人",
            "社会组织法人",
            "非法人企业",
            "行政机关",
            "其他组织",
        ]
    ] = Field(min_length=1)
    legal_basis: list[LegalBasis] = Field(min_length=1)
    conditions: list[NonEmpty] = Field(min_length=1)  # 受理条件 in plain words
    limits: Limits
    fee: Fee = Fee()
    channels: list[Channel] = Field(min_length=1)
    tongban_scope: Literal["全国", "跨省", "全省", "全市", "全区"] = "全区"
    location: str = ""
    office_hours: str = ""
    consult_phone: str = ""
    complaint_phone: str = ""
    reform: Reform
    data_sources: list[str] = Field(default_factory=list)
    form: list[FormField] = Field(default_factory=list)
    materials: list[Material] = Field(default_factory=list)
    commitment: Commitment = Commitment()
    tolerance: Tolerance = Tolerance()
    result: ResultDocument
    refusal_codes: list[Annotated[str, Field(pattern=r"^R(1[01]|[1-9])$")]] = Field(
        default_factory=list
    )
    retention_days: Annotated[int, Field(ge=30)] = 1095
    online_since: date | None = None
    life_events: list[NonEmpty] = Field(default_factory=list)
    keywords: list[NonEmpty] = Field(default_factory=list)
    rule_text: NonEmpty  # the eligibility rule as published, in words
    rules: RuleSetDef | None = None  # the same rule as data (govcore.rules)
    faq: list[NonEmpty] = Field(default_factory=list)

    @field_validator("form")
    @classmethod
    def _unique_field_keys(cls, value: list[FormField]) -> list[FormField]:
        _require_unique([f.key for f in value], "form field key")
        return value

    @field_validator("materials")
    @classmethod
    def _unique_material_codes(cls, value: list[Material]) -> list[Material]:
        _require_unique([m.code for m in value], "material code")
        return value

    @model_validator(mode="after")
    def _dates(self) -> ItemDef:
        if self.effective_to is not None and self.effective_to <= self.effective_from:
            raise ValueError("effective_to must be after effective_from")
        return self


def _require_unique(values: list[str], what: str) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"duplicate {what} {value!r}")
        seen.add(value)
