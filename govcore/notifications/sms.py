"""SMS through the government SMS gateway (政务短信平台), over signed HTTP.

The protocol (see ``docs/notifications.md``)::

    POST {NOTIFY_SMS_URL}
    X-App-Key, X-Timestamp, X-Nonce, X-Signature   (as the data gateway)
    {"request_id": "<event id>", "phone": "138…", "text": "【龙湖政务】…"}
    200 {"message_id": "…"}             accepted
    429, 5xx, 401, 403                   try again later
    other 4xx                            rejected (dead letter)

The signature is the data gateway's (:mod:`govcore.datahub.gateway_signing`):
lowercase hex HMAC-SHA256, keyed with the app secret, over
``"POST\\n" + path + "\\n" + timestamp + "\\n" + nonce + "\\n" +
sha256_hex(body)``. ``request_id`` is the message's event id: the gateway
must treat a second request with the same id as the first (idempotency), which
makes our retry after a timeout harmless.

The mobile number is looked up at delivery time in the shared data (社保卡
预留手机号, ``SI.card.phone``); it goes only into the request body, never into
a URL, a log line or an error.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.utils import requote_uri

from govcore.datahub import DataLookup, DataSource, NoRecordError
from govcore.datahub.gateway_signing import signed_headers
from govcore.datahub.ports import DataSourceError
from govcore.http_client import OwnedSession
from govcore.notifications.ports import (
    Channel,
    DeliveryResult,
    MessageView,
    PermanentDeliveryError,
    RecipientUnreachableError,
    TemporaryDeliveryError,
    check_gateway_url,
    positive_seconds,
    require_setting,
)
from govcore.validation import InvalidPhoneError, normalise_mobile

logger = logging.getLogger(__name__)

PHONE_PATH = "SI.card.phone"
DEFAULT_SIGNATURE = "【龙湖政务】"
_RETRY_LATER = {401, 403, 408, 429}


@dataclass(frozen=True)
class SmsSettings:
    """Where and as whom to send SMS; the secret is left out of ``repr``."""

    url: str
    app_key: str
    app_secret: str = field(repr=False)
    signature: str = DEFAULT_SIGNATURE
    timeout: float = 5.0

    def __post_init__(self) -> None:
        check_gateway_url(self.url, "NOTIFY_SMS_URL")

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> SmsSettings:
        """Read the ``NOTIFY_SMS_*`` keys.

        :raise ValueError: naming a missing or invalid key (values never echoed).
        """
        return cls(
            url=require_setting(config, "NOTIFY_SMS_URL"),
            app_key=require_setting(config, "NOTIFY_SMS_APP_KEY"),
            app_secret=require_setting(config, "NOTIFY_SMS_APP_SECRET"),
            signature=str(config.get("NOTIFY_SMS_SIGNATURE") or DEFAULT_SIGNATURE),
            timeout=positive_seconds(config, "NOTIFY_SMS_TIMEOUT", 5.0),
        )


class SmsGatewayChannel(OwnedSession, Channel):
    """A :class:`Channel` that sends the message's SMS text to the person's
    registered mobile number."""

    name = "sms"

    def __init__(
        self,
        settings: SmsSettings,
        *,
        source: DataSource,
        session: requests.Session | None = None,
    ) -> None:
        """Create the adapter.

        :param settings: gateway URL, credentials, signature and timeout.
        :param source: the shared-data source holding mobile numbers.
        :param session: an HTTP session (its owner closes it); by default the
            adapter creates one and :meth:`close` closes it.
        """
        self._settings = settings
        self._source = source
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        # Sign the path exactly as requests puts it on the wire.
        self._path = urlsplit(requote_uri(settings.url)).path or "/"

    def deliver(self, message: MessageView, *, now: datetime) -> DeliveryResult:
        """Send the SMS; see the module docstring for the protocol."""
        body = json.dumps(
            {
                "request_id": message.event_id,
                "phone": self._phone(message.recipient_id_number, now),
                "text": self._settings.signature + message.notice.sms,
            },
            ensure_ascii=False,
            separators=(",", ":"),
        ).encode("utf-8")
        response = self._post(body)
        with response:
            return _interpret(response)

    def _phone(self, id_number: str, now: datetime) -> str:
        try:
            value = DataLookup(self._source, now=now).value(PHONE_PATH, id_number)
        except NoRecordError:
            raise RecipientUnreachableError(
                "社保卡无预留手机号（no SI record）"
            ) from None
        except DataSourceError as exc:
            raise TemporaryDeliveryError(
                f"手机号查询失败（phone lookup failed: {exc.code}）"
            ) from None
        try:
            return normalise_mobile(value.value)
        except InvalidPhoneError:
            raise RecipientUnreachableError(
                "无有效的预留手机号（no valid mobile number on file）"
            ) from None

    def _post(self, body: bytes) -> requests.Response:
        headers = signed_headers(
            self._settings.app_key, self._settings.app_secret, self._path, body
        )
        try:
            return self._session.post(
                self._settings.url,
                data=body,
                headers=headers,
                timeout=self._settings.timeout,
                allow_redirects=False,  # never re-send a phone number elsewhere
            )
        except requests.Timeout:
            # The gateway may have accepted it; the retry carries the same
            # request_id, which the gateway deduplicates.
            raise TemporaryDeliveryError(
                "短信网关超时（SMS gateway timeout）"
            ) from None
        except requests.RequestException as exc:
            raise TemporaryDeliveryError(
                f"短信网关连接失败（SMS gateway: {type(exc).__name__}）"
            ) from None


def _interpret(response: requests.Response) -> DeliveryResult:
    status = response.status_code
    if status == 200:
        payload = _json_or_none(response.content)
        ref = payload.get("message_id") if isinstance(payload, dict) else None
        return DeliveryResult(provider_ref=str(ref)[:80] if ref else None)
    if status >= 500 or status in _RETRY_LATER:
        raise TemporaryDeliveryError(f"短信网关暂不可用（SMS gateway HTTP {status}）")
    # The gateway's error text is not copied: it may quote the phone number.
    raise PermanentDeliveryError(f"短信网关拒绝（SMS gateway HTTP {status}）")


def _json_or_none(content: bytes) -> Any:
    try:
        return json.loads(content)
    except (ValueError, RecursionError):
        return None
