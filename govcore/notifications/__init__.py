"""Notifications: the outbox written with the business change, and delivery.

Use cases enqueue (:func:`enqueue`) in their own transaction; workers deliver
(:func:`dispatch_due`) through channels: SMS, mini-program subscription
messages and the in-app inbox. See ``docs/notifications.md``.
"""

from govcore.notifications.dispatcher import (
    DispatchReport,
    RetryPolicy,
    dispatch_due,
    fan_out,
)
from govcore.notifications.inbox import (
    InboxChannel,
    count_unread,
    list_inbox,
    mark_read,
)
from govcore.notifications.miniprogram import (
    MiniProgramChannel,
    SubscriptionSettings,
    openid_of,
    record_subscriber,
)
from govcore.notifications.models import (
    DeliveryStatus,
    InboxItem,
    MiniProgramSubscriber,
    NotificationDelivery,
)
from govcore.notifications.outbox import OutboxMessage, cancel_pending, enqueue
from govcore.notifications.ports import (
    Channel,
    DeliveryError,
    DeliveryResult,
    MessageView,
    Notice,
    PermanentDeliveryError,
    RecipientUnreachableError,
    TemporaryDeliveryError,
)
from govcore.notifications.sms import SmsGatewayChannel, SmsSettings
from govcore.notifications.status import (
    DeadLetter,
    count_waiting,
    delivery_counts,
    list_dead,
    retry_dead,
)
from govcore.notifications.templates import render
from govcore.notifications.views import message_view

__all__ = [
    "Channel",
    "DeadLetter",
    "DeliveryError",
    "DeliveryResult",
    "DeliveryStatus",
    "DispatchReport",
    "InboxChannel",
    "InboxItem",
    "MessageView",
    "MiniProgramChannel",
    "MiniProgramSubscriber",
    "Notice",
    "NotificationDelivery",
    "OutboxMessage",
    "PermanentDeliveryError",
    "RecipientUnreachableError",
    "RetryPolicy",
    "SmsGatewayChannel",
    "SmsSettings",
    "SubscriptionSettings",
    "TemporaryDeliveryError",
    "cancel_pending",
    "count_unread",
    "count_waiting",
    "delivery_counts",
    "dispatch_due",
    "enqueue",
    "fan_out",
    "list_dead",
    "list_inbox",
    "mark_read",
    "message_view",
    "openid_of",
    "record_subscriber",
    "render",
    "retry_dead",
]
