"""The terminal agent's side of the server: events in, commands out.

The agent calls out over HTTPS (no port is open on the kiosk) with
``Authorization: Bearer <terminal secret>`` and ``X-Terminal: <code>``.
Behind nginx's terminal host the agent also presents the terminal's client
certificate, whose CN nginx passes in ``KIOSK_TERMINAL_HEADER``: it must name
the same terminal as the secret (see :func:`check_certificate`).
Commands are long-polled: ``GET …/commands?wait=20`` answers as soon as there
is work, or empty after the wait.
"""

from __future__ import annotations

import time
from typing import Any

from flask import Response, current_app, g, request
from mobile_api.blueprint import Blueprint

from govcore import terminals
from govcore.certificates import delivery
from govcore.clock import utcnow
from govcore.db import db
from govcore.errors import AuthenticationError
from govcore.certificates.receipt import ticket_to_json
from mobile_api.services import documents, file_store, upload_limits
from mobile_api.schemas import (
    error_responses,
    CommandQuerySchema,
    ScanPageResultSchema,
    TerminalCommandListSchema,
    TerminalEventResultSchema,
    TerminalEventSchema,
    TicketQuerySchema,
    TicketSchema,
    UploadSchema,
)

blp = Blueprint(
    "terminal_agent",
    __name__,
    url_prefix="/api/v1/terminal",
    description="自助终端代理：上报事件、领取指令",
)
TERMINAL_AUTH = [{"terminalSecret": []}]
# How often a long poll looks for new commands: a print reaches the terminal
# within this long (one indexed query per step per waiting terminal).
POLL_STEP_S = 0.2


@blp.before_request
def authenticate_terminal() -> None:
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    code = request.headers.get("X-Terminal", "")
    if scheme.lower() != "bearer" or not secret or not code:
        raise AuthenticationError("终端未认证（missing terminal credentials）")
    check_certificate(code)
    g.terminal = terminals.authenticate(code, secret.strip())


def check_certificate(code: str) -> None:
    """Refuse a client certificate of another terminal, or none where one is due.

    nginx sets ``KIOSK_TERMINAL_HEADER`` to the verified certificate's CN on
    the terminals' host and clears it on the public one, so a certificate
    copied from one terminal cannot carry another's stolen secret.  With
    ``TERMINAL_AGENT_CERT_REQUIRED`` an agent without a certificate (through
    the public host) is refused as well.
    """
    header = current_app.config.get("KIOSK_TERMINAL_HEADER")
    certified = request.headers.get(header, "") if header else ""
    if certified and certified != code:
        raise AuthenticationError(
            "终端证书与终端编号不符（the client certificate names another terminal）"
        )
    if not certified and current_app.config.get("TERMINAL_AGENT_CERT_REQUIRED"):
        raise AuthenticationError(
            "终端代理须使用终端证书连接（a terminal client certificate is required）"
        )


@blp.route("/events", methods=["POST"])
@blp.doc(security=TERMINAL_AUTH)
@blp.arguments(TerminalEventSchema)
@blp.response(200, TerminalEventResultSchema)
@error_responses(blp, 401, 404, 422)
def post_event(event: dict[str, Any]) -> dict[str, Any]:
    """上报事件（心跳、设备状态、插卡/拔卡、扫描完成、打印结果）"""
    outcome = terminals.record_event(g.terminal, now=utcnow(), **event)
    db.session.commit()
    return {"event_id": outcome.event_id, "accepted": outcome.accepted}


@blp.route("/commands", methods=["GET"])
@blp.doc(security=TERMINAL_AUTH)
@blp.arguments(CommandQuerySchema, location="query")
@blp.response(200, TerminalCommandListSchema)
@error_responses(blp, 401)
def get_commands(query: dict[str, Any]) -> dict[str, Any]:
    """领取指令（长轮询）"""
    deadline = time.monotonic() + query["wait"]
    secret_hash = g.terminal.secret_hash  # the secret this request came with
    while True:
        commands = terminals.take_commands(g.terminal, now=utcnow())
        db.session.commit()
        if commands or time.monotonic() >= deadline:
            break
        time.sleep(POLL_STEP_S)
        db.session.refresh(g.terminal)
        if g.terminal.revoked_at is not None:  # revoked while waiting
            raise AuthenticationError("终端已停用（terminal revoked）")
        if g.terminal.secret_hash != secret_hash:  # a new secret meanwhile
            raise AuthenticationError("终端密钥已更换（terminal secret rotated）")
    return {
        "commands": [
            {
                "id": c.public_id,
                "kind": c.kind,
                "payload": c.payload,
                "created_at": c.created_at,
            }
            for c in commands
        ]
    }


@blp.route("/documents/<string:document_id>/pdf", methods=["GET"])
@blp.doc(security=TERMINAL_AUTH)
@blp.response(200, content_type="application/pdf", description="待打印的文书")
@error_responses(blp, 401, 404)
def document_pdf(document_id: str) -> Response:
    """取回指令要求打印的文书（仅限本终端的打印指令所指的文书）"""
    document = terminals.document_to_print(g.terminal, document_id)
    pdf = delivery.document_pdf(document, services=documents(), store=file_store())
    return Response(pdf, mimetype="application/pdf")


@blp.route("/documents/<string:document_id>/ticket", methods=["GET"])
@blp.doc(security=TERMINAL_AUTH)
@blp.arguments(TicketQuerySchema, location="query")
@blp.response(200, TicketSchema)
@error_responses(blp, 401, 404, 422)
def document_ticket(query: dict[str, Any], document_id: str) -> dict[str, Any]:
    """取回指令要求打印的小票内容（办件编号、结果、核验二维码；不含个人信息）"""
    document = terminals.document_to_print(g.terminal, document_id)
    return ticket_to_json(delivery.ticket_for(document, width_mm=query["width_mm"]))


@blp.route("/commands/<string:command_id>/pages", methods=["POST"])
@blp.doc(security=TERMINAL_AUTH)
@blp.arguments(UploadSchema, location="files")
@blp.response(201, ScanPageResultSchema)
@error_responses(blp, 401, 404, 409, 413, 415, 422)
def scan_page(files: dict[str, Any], command_id: str) -> dict[str, Any]:
    """上传扫描指令的一页（JPEG/PNG；服务器重新编码并去除元数据）"""
    file = files["file"]
    try:
        data = file.read()
    finally:
        file.close()
    pages = terminals.add_scan_page(
        g.terminal, command_id, data, store=file_store(), limits=upload_limits()
    )
    db.session.commit()
    return {"pages": pages}
