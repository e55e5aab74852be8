"""Work for a terminal: print a document, print a receipt, scan.

A command is queued here, fetched once by the terminal's agent
(:func:`take_commands`) and finished by the event the agent sends back
(``print_finished`` / ``print_failed``, ``scan_ready`` / ``scan_failed``).
A print is counted when the terminal reports the paper out, not when it is
asked for: a jam leaves the document unprinted, uncounted, and ready to be
printed again. Scanned pages reach the server before ``scan_ready``; they are
cleaned like any upload and wait, referenced by the command, until the kiosk
attaches them to an application or discards them.
"""

from __future__ import annotations

import secrets
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from govcore.applications.uploads import UploadLimits, clean_image
from govcore.certificates import delivery
from govcore.certificates.models import ResultDocument
from govcore.certificates.verification import documents_of
from govcore.db import db
from govcore.errors import ConflictError, NotFoundError, ValidationError
from govcore.filestore import FileStore
from govcore.terminals.models import Terminal, TerminalCommand

COMMAND_KINDS = frozenset({"print_document", "print_receipt", "scan"})
PRINT_KINDS = ("print_document", "print_receipt")
MAX_SCAN_PAGES = 20
IN_FLIGHT = ("queued", "delivered")


def queue_command(
    terminal: Terminal, kind: str, payload: dict[str, Any], *, now: datetime
) -> TerminalCommand:
    """Queue a command for ``terminal``; ``payload`` holds references only,
    never personal data."""
    if kind not in COMMAND_KINDS:
        raise ValidationError(f"未知指令 {kind}", field="kind")
    command = TerminalCommand(
        public_id=secrets.token_hex(16),
        terminal_id=terminal.id,
        kind=kind,
        payload=payload,
        status="queued",
        created_at=now,
    )
    db.session.add(command)
    db.session.flush()
    return command


def request_print(
    terminal: Terminal, document: ResultDocument, *, actor: str, now: datetime
) -> TerminalCommand:
    """Ask ``terminal`` to print ``document`` on its A4 printer.

    :raise ConflictError: ``revoked``, or ``reprint_limit`` counting the
        prints already on their way to a printer.
    """
    pending = db.session.scalar(
        sa.select(sa.func.count(TerminalCommand.id)).where(
            TerminalCommand.kind == "print_document",
            TerminalCommand.status.in_(IN_FLIGHT),
            TerminalCommand.payload["document"].as_string() == document.public_id,
        )
    )
    delivery.ensure_printable(document, pending=pending)
    return queue_command(
        terminal,
        "print_document",
        {"document": document.public_id, "actor": actor},
        now=now,
    )


def request_receipt(
    terminal: Terminal, document: ResultDocument, *, now: datetime
) -> TerminalCommand:
    """Ask ``terminal`` to print the thermal ticket that goes with ``document``."""
    return queue_command(
        terminal, "print_receipt", {"document": document.public_id}, now=now
    )


def print_results(
    terminal: Terminal, application_id: int, *, actor: str, now: datetime
) -> list[TerminalCommand]:
    """Print at ``terminal`` what a decision produced: a certificate or a
    written refusal on A4 with its ticket; a receipt's ticket alone. Revoked
    documents are left out."""
    commands = []
    for document in documents_of(application_id):
        if document.status == "revoked":
            continue
        if document.kind in ("certificate", "refusal"):
            commands.append(request_print(terminal, document, actor=actor, now=now))
        commands.append(request_receipt(terminal, document, now=now))
    return commands


def print_again(
    terminal: Terminal, command: TerminalCommand, *, now: datetime
) -> TerminalCommand:
    """The same print as ``command`` (which failed) once the printer is fixed.

    :raise ConflictError: ``revoked`` or ``reprint_limit`` for an A4 print.
    """
    document = document_to_print(terminal, command.payload["document"])
    if command.kind == "print_document":
        actor = str(command.payload.get("actor", "applicant"))
        return request_print(terminal, document, actor=actor, now=now)
    return request_receipt(terminal, document, now=now)


def request_scan(terminal: Terminal, *, now: datetime) -> TerminalCommand:
    """Ask ``terminal`` to scan what lies on its scanner."""
    return queue_command(terminal, "scan", {}, now=now)


def take_commands(terminal: Terminal, *, now: datetime) -> list[TerminalCommand]:
    """The terminal's queued commands, marked delivered (each is handed out once)."""
    commands = list(
        db.session.scalars(
            sa.select(TerminalCommand)
            .where(
                TerminalCommand.terminal_id == terminal.id,
                TerminalCommand.status == "queued",
            )
            .order_by(TerminalCommand.id)
            .with_for_update(skip_locked=True)
        )
    )
    for command in commands:
        command.status, command.delivered_at = "delivered", now
    terminal.last_seen_at = now
    return commands


def finish(
    terminal: Terminal, kind: str, data: dict[str, Any], *, now: datetime
) -> None:
    """Apply a ``print_*`` or ``scan_*`` event to the command it names."""
    command = command_of(terminal, str(data.get("command", "")))
    ok = kind in ("print_finished", "scan_ready")
    expected = ("scan",) if kind.startswith("scan_") else PRINT_KINDS
    if command.kind not in expected:
        raise ValidationError(f"{kind} 不适用于 {command.kind} 指令", field="kind")
    if command.status not in IN_FLIGHT:
        return  # finished already: a late duplicate changes nothing
    command.status = "done" if ok else "failed"
    command.finished_at = now
    command.result = {
        **(command.result or {}),
        "reasons": [str(r)[:40] for r in data.get("reasons", [])][:10],
        "message": str(data.get("message", ""))[:100],
    }
    if ok and command.kind == "print_document":
        delivery.record_print(
            _document(command.payload["document"]),
            actor=str(command.payload.get("actor", "applicant")),
            channel="kiosk",
            now=now,
            enforce_limit=False,  # the paper is already out
        )


def add_scan_page(
    terminal: Terminal,
    command_id: str,
    data: bytes,
    *,
    store: FileStore,
    limits: UploadLimits = UploadLimits(),
) -> int:
    """Keep one scanned page of a scan command; return the pages so far.

    :raise NotFoundError: for a command that is not this terminal's scan.
    :raise ConflictError: once the scan is finished, or past
        :data:`MAX_SCAN_PAGES`.
    :raise ValidationError: for a file that is not a clean image.
    """
    command = command_of(terminal, command_id)
    if command.kind != "scan":
        raise NotFoundError("扫描指令不存在（scan command not found）")
    db.session.refresh(command, with_for_update=True)
    if command.status != "delivered":
        raise ConflictError("扫描已结束（scan finished）", code="scan_finished")
    pages = list((command.result or {}).get("pages", []))
    if len(pages) >= MAX_SCAN_PAGES:
        raise ConflictError(
            f"一次最多扫描 {MAX_SCAN_PAGES} 页（too many pages）", code="too_many_pages"
        )
    image = clean_image(data, limits=limits)
    pages.append(store.put(image.content, image.extension))
    command.result = {**(command.result or {}), "pages": pages}
    return len(pages)


def scanned_pages(
    terminal: Terminal, command_id: str, *, store: FileStore
) -> list[bytes]:
    """The pages of a finished scan, for the kiosk to show and attach.

    :raise NotFoundError: for a command that is not this terminal's scan.
    :raise ConflictError: ``scan_not_ready`` until the scan has finished.
    """
    command = command_of(terminal, command_id)
    if command.kind != "scan":
        raise NotFoundError("扫描指令不存在（scan command not found）")
    if command.status != "done":
        raise ConflictError("扫描尚未完成（scan not ready）", code="scan_not_ready")
    return [store.read(key) for key in command.result.get("pages", [])]


def discard_scan(terminal: Terminal, command_id: str, *, store: FileStore) -> None:
    """Delete the pages of a scan (attached elsewhere, retaken or abandoned)."""
    command = command_of(terminal, command_id)
    for key in (command.result or {}).get("pages", []):
        store.delete(key)
    command.result = {**(command.result or {}), "pages": []}


def document_to_print(terminal: Terminal, document_id: str) -> ResultDocument:
    """The result document a print command told ``terminal`` to print.

    :raise NotFoundError: unless one of its commands names the document.
    """
    commanded = db.session.scalar(
        sa.select(TerminalCommand.id).where(
            TerminalCommand.terminal_id == terminal.id,
            TerminalCommand.kind.in_(PRINT_KINDS),
            TerminalCommand.payload["document"].as_string() == document_id,
        )
    )
    if commanded is None:
        raise NotFoundError("文书不存在（document not found）")
    return _document(document_id)


def command_of(terminal: Terminal, command_id: str) -> TerminalCommand:
    """:raise NotFoundError: for another terminal's command, or none."""
    command = db.session.scalar(
        sa.select(TerminalCommand).where(
            TerminalCommand.terminal_id == terminal.id,
            TerminalCommand.public_id == command_id,
        )
    )
    if command is None:
        raise NotFoundError("指令不存在（command not found）")
    return command


def _document(document_id: str) -> ResultDocument:
    document = db.session.scalar(
        sa.select(ResultDocument).where(ResultDocument.public_id == document_id)
    )
    if document is None:
        raise NotFoundError("文书不存在（document not found）")
    return document
