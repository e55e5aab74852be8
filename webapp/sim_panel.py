"""模拟设备控制台: a web page that drives the simulated kiosk devices.

The same switches as ``flask --app webapp devices sim …``, for a demo on one
laptop: put a sandbox person's card on the reader, jam the A4 printer, empty
the receipt roll. Registered only in the standalone role with simulated
devices (see :func:`webapp.register_blueprints`); every change goes through
:meth:`SimControl.update`, like the command line's.

The page never shows a full ID number: the list of sandbox people posts an
opaque record reference, and an ID number typed by the operator travels in
the POST body only.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)

from govcore.clock import local_date, utcnow
from govcore.datahub import DataSourceError
from govcore.datahub.ports import SubjectDirectory
from govcore.privacy import mask_name
from govcore.validation.id_numbers import mask_id_number
from webapp.devices import STATE_LABELS, build_devices, sandbox_card, sim_control

bp = Blueprint("sim_panel", __name__, url_prefix="/devices/sim")

PEOPLE_SHOWN = 20
SEX_LABELS = {"M": "男", "F": "女"}
DEVICE_LABELS = {
    "reader": "身份证读卡器",
    "a4_printer": "A4打印机",
    "receipt_printer": "小票打印机",
    "scanner": "扫描仪（高拍仪）",
}


#: Each setting the panel changes: the action (URL and form), its Chinese
#: title, the allowed values with their labels, the state key it sets, and
#: the stored value of a choice where it differs from the choice itself.
@dataclass(frozen=True)
class Setting:
    action: str
    title: str
    choices: dict[str, str]  # value → Chinese label
    key: str
    stored: dict[str, Any] = field(default_factory=dict)

    def changes(self, value: str) -> dict[str, Any]:
        return {self.key: self.stored.get(value, value)}

    def current(self, state: dict[str, Any]) -> str:
        value = state[self.key]
        return next((k for k, v in self.stored.items() if v == value), value)


NONE = {"none": None}
SETTINGS = {
    s.action: s
    for s in (
        Setting(
            "reader-fault",
            "读卡故障（下一次读卡失败）",
            {
                "none": "无故障",
                "select_failed": "选卡失败",
                "read_failed": "读卡失败",
                "timeout": "读卡器无应答",
            },
            "reader_fault",
            NONE,
        ),
        Setting(
            "a4",
            "A4打印机",
            {
                "none": "正常",
                "media-empty": "缺纸",
                "media-jam": "卡纸",
                "toner-low": "墨粉不足",
                "offline": "未连接",
            },
            "a4_fault",
            NONE,
        ),
        Setting(
            "receipt-paper",
            "小票纸",
            {"ok": "纸量充足", "near_end": "纸将用完", "empty": "纸已用完"},
            "receipt_paper",
        ),
        Setting(
            "scanner",
            "扫描仪连接",
            {"online": "已连接", "offline": "未连接"},
            "scanner_offline",
            {"online": False, "offline": True},
        ),
        Setting(
            "scan-sample",
            "扫描的材料",
            {
                "form": "平放的A4表格",
                "photo": "拍摄的表格（倾斜、深色桌面）",
                "none": "没有放材料",
            },
            "scan_sample",
        ),
    )
}


@dataclass(frozen=True)
class Person:
    ref: str  # the sandbox record id: stable, holds no ID number
    id_number: str  # never rendered
    masked_name: str
    masked_id: str
    sex: str
    age: int | None


@bp.after_request
def no_store(response: Response) -> Response:
    # The page shows (masked) personal data and a live state: never cached.
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/")
def panel() -> str:
    state = sim_control(current_app).read()
    card = state["card"]
    return render_template(
        "sim/panel.html",
        card=(
            {"name": mask_name(card["name"]), "id": mask_id_number(card["id_number"])}
            if card
            else None
        ),
        devices=device_rows(),
        people=sandbox_people(),
        settings=[(s, s.current(state)) for s in SETTINGS.values()],
    )


@bp.post("/insert-card")
def insert_card() -> Any:
    ref = request.form.get("person", "").strip()
    typed = request.form.get("id_number", "").strip()
    if ref:
        person = next((p for p in sandbox_people() if p.ref == ref), None)
        if person is None:
            return bad_request("持卡人（person）：列表中没有这个人，请刷新页面后重选")
        id_number = person.id_number
    elif typed:
        id_number = typed
    else:
        return bad_request("身份证号（id_number）：请选择或填写沙箱中的人员")
    source = current_app.extensions["miaopi.datasource"]
    try:
        card = sandbox_card(source, id_number, utcnow())
    except DataSourceError:
        return bad_request("身份证号（id_number）：沙箱中没有此人")
    sim_control(current_app).update(card=card)
    flash(f"已放卡：{mask_name(card['name'])}（{mask_id_number(card['id_number'])}）")
    return back()


@bp.post("/remove-card")
def remove_card() -> Any:
    sim_control(current_app).update(card=None)
    flash("已拔卡：读卡器上没有证件")
    return back()


@bp.post("/<action>")
def change(action: str) -> Any:
    setting = SETTINGS.get(action)
    if setting is None:
        return bad_request(f"没有这个操作：{action}", status=404)
    value = request.form.get("value", "")
    if value not in setting.choices:
        allowed = "、".join(setting.choices)
        return bad_request(f"{setting.title}（value）：不允许的取值，可选 {allowed}")
    sim_control(current_app).update(**setting.changes(value))
    flash(f"{setting.title}：{setting.choices[value]}")
    return back()


def back() -> Response:
    return redirect(url_for(".panel"), code=303)


def bad_request(message: str, status: int = 400) -> tuple[str, int]:
    return render_template("sim/error.html", message=message, status=status), status


def device_rows() -> list[dict[str, str]]:
    rows = []
    for name, device in build_devices(current_app).named().items():
        status = device.status()
        rows.append(
            {
                "name": DEVICE_LABELS.get(name, name),
                "state": status.state.value,
                "label": STATE_LABELS.get(status.state.value, status.state.value),
                "message": status.message,
                "reasons": "、".join(status.reasons),
            }
        )
    return rows


def sandbox_people() -> list[Person]:
    """The first sandbox persons (household register records)."""
    source = current_app.extensions["miaopi.datasource"]
    if not isinstance(source, SubjectDirectory):
        return []
    now = utcnow()
    today = local_date(now)
    people = []
    for subject in source.subjects("HK", limit=PEOPLE_SHOWN):
        try:
            record = source.fetch("HK", subject, now=now)
        except DataSourceError:
            continue
        data = record.data
        people.append(
            Person(
                ref=record.record_id,
                id_number=data["id_no"],
                masked_name=mask_name(data["name"]),
                masked_id=mask_id_number(data["id_no"]),
                sex=SEX_LABELS.get(data.get("sex", ""), data.get("sex", "")),
                age=age(data.get("birth_date"), today),
            )
        )
    return people


def age(born: Any, today: date) -> int | None:
    try:
        born = date.fromisoformat(born) if isinstance(born, str) else born
    except ValueError:
        return None
    if not isinstance(born, date):
        return None
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))
