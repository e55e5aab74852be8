"""The channel port: how a rendered message reaches a person.

Adapters: :class:`~govcore.notifications.sms.SmsGatewayChannel` (an SMS
gateway over signed HTTP), :class:`~govcore.notifications.miniprogram.
MiniProgramChannel` (subscription messages) and :class:`~govcore.notifications.
inbox.InboxChannel` (the in-app inbox). The dispatcher calls
:meth:`Channel.deliver` once per attempt and turns the outcome into a delivery
status: a return is ``sent``, :class:`TemporaryDeliveryError` is retried later,
:class:`PermanentDeliveryError` is ``dead`` at once and
:class:`RecipientUnreachableError` is ``skipped``.
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from govcore.errors import GovCoreError


class DeliveryError(GovCoreError):
    """An attempt failed. The message is stored as ``last_error``: it must say
    what went wrong without personal data (no number, name, phone, openid)."""

    code = "delivery_failed"


class TemporaryDeliveryError(DeliveryError):
    """Worth trying again later: gateway down, busy, rate-limited, timed out."""

    code = "delivery_temporary"


class PermanentDeliveryError(DeliveryError):
    """Trying again cannot help: the gateway rejected this message."""

    code = "delivery_permanent"


class RecipientUnreachableError(PermanentDeliveryError):
    """The channel has no way to reach this person (no mobile number, no openid,
    not subscribed)."""

    code = "recipient_unreachable"


@dataclass(frozen=True)
class Notice:
    """A message rendered for people: no ID number, no full name.

    :param title: a short headline (at most 20 characters).
    :param body: the inbox text.
    :param sms: the SMS text, without the signature.
    :param result: the result in at most 5 characters, e.g. ``已批准``.
    :param item_name: the item (事项) the message is about, or ``""``.
    :param reference_no: the 办件编号, or ``""``.
    """

    title: str
    body: str
    sms: str
    result: str
    item_name: str = ""
    reference_no: str = ""


@dataclass(frozen=True)
class MessageView:
    """What a channel needs to deliver one message to one person.

    ``recipient_id_number`` is personal data: channels use it to look up a
    contact and never log it or send it anywhere; it is left out of ``repr``.
    """

    message_id: int
    event_id: str
    kind: str
    notice: Notice
    created_at: datetime
    recipient_id_number: str = field(repr=False)
    application_public_id: str | None = None
    offer_public_id: str | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """A successful delivery; ``provider_ref`` is the gateway's message id."""

    provider_ref: str | None = None


class Channel(abc.ABC):
    """A way to deliver messages; ``name`` is stored on each delivery row."""

    name: str

    @abc.abstractmethod
    def deliver(self, message: MessageView, *, now: datetime) -> DeliveryResult:
        """Deliver ``message`` to its recipient, once.

        May be called again for the same message after an unclear failure (a
        timeout after the gateway accepted it): adapters send ``event_id`` as
        the gateway's idempotency key where the gateway supports one.

        :param message: the rendered message and its recipient.
        :param now: the time of the attempt.
        :return: the gateway's reference of the accepted message.
        :raise TemporaryDeliveryError: if a later attempt may succeed.
        :raise PermanentDeliveryError: if no attempt can succeed.
        :raise RecipientUnreachableError: if the channel cannot reach the person.
        """
        raise NotImplementedError

    def close(self) -> None:
        """Release what the channel holds (HTTP sessions); default: nothing."""


_LOOPBACK_HOSTS = frozenset({"127.0.0.1", "::1", "localhost"})


def check_gateway_url(url: object, key: str) -> str:
    """Return ``url`` if it is an https URL (http only on loopback, for fakes).

    :raise ValueError: naming the configuration ``key``, never the value.
    """
    parts = urlsplit(url) if isinstance(url, str) else None
    if parts is None or not parts.netloc or parts.scheme not in ("http", "https"):
        raise ValueError(f"配置项 {key} 无效（{key} must be an absolute http(s) URL）")
    if parts.scheme == "http" and parts.hostname not in _LOOPBACK_HOSTS:
        raise ValueError(
            f"配置项 {key} 须使用 https（{key} must use https; plain http is "
            "allowed only for a loopback host）"
        )
    return str(url)


def require_setting(config: Mapping[str, Any], key: str) -> str:
    """The non-blank string value of ``key`` in a mapping.

    :raise ValueError: naming the missing key.
    """
    value = config.get(key)
    if value is None or not str(value).strip():
        raise ValueError(f"缺少配置项 {key}（missing setting {key}）")
    return str(value).strip()


def positive_seconds(config: Mapping[str, Any], key: str, default: float) -> float:
    """A positive number of seconds from ``config[key]`` (default if absent).

    :raise ValueError: if the value is not a positive number.
    """
    raw = config.get(key)
    if raw is None:
        return default
    try:
        value = float(raw)
    except (TypeError, ValueError):
        value = -1.0
    if isinstance(raw, bool) or not math.isfinite(value) or value <= 0:
        raise ValueError(f"配置项 {key} 须为正数（{key} must be a positive number）")
    return value
