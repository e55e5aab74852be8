"""Notifications: the outbox written with the business change, and delivery."""

from govcore.notifications.outbox import OutboxMessage, cancel_pending, enqueue

__all__ = ["OutboxMessage", "cancel_pending", "enqueue"]
