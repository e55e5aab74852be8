"""扫码登录自助终端: log in at a kiosk with the phone instead of an ID card.

The kiosk's welcome screen shows a QR code with a one-time code; the
mini-program, logged in as its person, sends the code here, and the kiosk's
screen starts that person's session as if their card had been read.
"""

from __future__ import annotations

from typing import Any

from govcore.applications import Caller
from govcore.clock import utcnow
from govcore.db import db
from govcore.identity.ports import Identity
from govcore.terminals import kiosk
from mobile_api.auth import BEARER, authenticated, require_login
from mobile_api.blueprint import Blueprint
from mobile_api.schemas import KioskLoginResultSchema, KioskLoginSchema, error_responses

blp = Blueprint(
    "kiosk_login", __name__, url_prefix="/api/v1", description="扫码登录自助终端"
)
blp.before_request(require_login)


@blp.route("/kiosk-login", methods=["POST"])
@blp.doc(security=BEARER)
@blp.arguments(KioskLoginSchema)
@blp.response(200, KioskLoginResultSchema)
@error_responses(blp, 401, 404, 409, 422, 429)
@authenticated
def kiosk_login(body: dict[str, Any], caller: Caller) -> dict[str, Any]:
    """扫描自助终端欢迎页的二维码登录终端（二维码2分钟内有效，一次有效）"""
    identity = Identity(
        id_number=caller.id_number,
        name=caller.name,
        provider="miniprogram-kiosk",
        subject=caller.id_number,
    )
    terminal = kiosk.phone_login(body["code"], identity, now=utcnow())
    db.session.commit()
    return {"terminal": terminal.name, "location": terminal.location}
