"""The append-only, hash-chained audit log (审计日志)."""

from govcore.audit.log import AuditEvent, record_event, search_events, verify_chain

__all__ = ["AuditEvent", "record_event", "search_events", "verify_chain"]
