"""Going on with the phone: hand a draft over (扫码续办), take a document
the printer could not print (扫码领取), and one-tap proactive offers
(免申即享) waiting for the card holder."""

from __future__ import annotations

import io
from typing import Any

import qrcode
import qrcode.image.svg
from flask import Response, current_app, g, redirect, render_template, url_for
from flask_babel import gettext as _
from markupsafe import Markup

from govcore import applications as apps
from govcore import catalog
from govcore.applications import Status
from govcore.certificates.pickup import PICKUP_LIFETIME, create_pickup
from govcore.certificates.verification import documents_of
from govcore.clock import local_date
from govcore.db import db
from govcore.decisions.proactive import accept_offer, offers_for
from govcore.errors import GovCoreError
from govcore.terminals import kiosk
from kiosk_app import bp
from kiosk_app.result import print_results
from kiosk_app.steps import ONE, problem
from kiosk_app.context import caller, require_person
from kiosk_app.services import calendar, data_source, documents


def qr_svg(data: str) -> Markup:
    """A QR code as inline SVG (no script, no image request, no CDN)."""
    image = qrcode.make(
        data, image_factory=qrcode.image.svg.SvgPathImage, box_size=12, border=2
    )
    out = io.BytesIO()
    image.save(out)
    svg = out.getvalue().decode()
    svg = svg[svg.index("<svg") :]  # drop the XML declaration
    label = _("二维码")
    return Markup(svg.replace("<svg ", f'<svg role="img" aria-label="{label}" ', 1))


@bp.get("/login-qr")
def login_qr() -> Any:
    """The welcome screen's QR: log in with the mini-program instead of a card
    (a new one-time code each time; the page renews it every minute)."""
    code = kiosk.login_code(g.terminal, now=g.now)
    db.session.commit()
    url = f"{current_app.config['MOBILE_KIOSK_LOGIN_URL']}?code={code}"
    return Response(str(qr_svg(url)), mimetype="image/svg+xml")


@bp.get(ONE + "/handoff")
@require_person
def handoff(application_id: str) -> Any:
    application = apps.get_application(application_id, caller())
    if application.status is not Status.DRAFT:
        return redirect(url_for("kiosk.result", application_id=application_id))
    code, expires_at = apps.create_handoff(application, caller(), now=g.now)
    url = f"{current_app.config['MOBILE_HANDOFF_URL']}?code={code}"
    return render_template(
        "kiosk/phone.html",
        title="到手机上继续办理",
        lead="请用“龙湖秒办”小程序扫描二维码。扫码后本终端自动退出，草稿在手机上继续。",
        qr=qr_svg(url),
        minutes=int((expires_at - g.now).total_seconds() // 60),
        back=url_for("kiosk.form", application_id=application_id),
        prompt="handoff",
    )


@bp.get(ONE + "/pickup")
@require_person
def pickup(application_id: str) -> Any:
    application = apps.get_application(application_id, caller())
    printable = [
        d
        for d in documents_of(application.id)
        if d.kind in ("certificate", "refusal") and d.status != "revoked"
    ]
    if not printable:
        return redirect(url_for("kiosk.result", application_id=application_id))
    token = create_pickup(printable[0], now=g.now)
    db.session.commit()
    return render_template(
        "kiosk/phone.html",
        title="用手机扫码领取文书",
        lead="请用手机扫描二维码下载 PDF 文书（与打印件相同，带电子签章和核验码）。",
        qr=qr_svg(url_for("verify_page.pickup", token=token, _external=True)),
        minutes=int(PICKUP_LIFETIME.total_seconds() // 60),
        back=url_for("kiosk.result", application_id=application_id),
        prompt=None,
    )


@bp.get("/offers")
@require_person
def offers() -> str:
    today = local_date(g.now)
    waiting = [
        (offer, catalog.get_item_version(offer.item_code, on=today).spec.name)
        for offer in offers_for(g.person.id_number)
        if offer.status == "offered"
    ]
    return render_template("kiosk/offers.html", offers=waiting, prompt="offer")


@bp.post("/offers/<string:offer_id>/accept")
@require_person
def accept(offer_id: str) -> Any:
    try:
        application = accept_offer(
            offer_id,
            caller(),
            source=data_source(),
            calendar=calendar(),
            documents=documents(),
            now=g.now,
        )
    except GovCoreError as error:
        db.session.rollback()
        return problem(error, back=url_for("kiosk.offers"))
    print_results(application)
    return redirect(url_for("kiosk.result", application_id=application.public_id))
