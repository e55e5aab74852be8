"""Mini-program subscription messages (订阅消息), and the openids they go to.

The platform's protocol, in the shape of WeChat's::

    GET  {NOTIFY_MINIPROGRAM_TOKEN_URL}?grant_type=client_credential&appid=…&secret=…
         200 {"access_token": "…", "expires_in": 7200}
    POST {NOTIFY_MINIPROGRAM_URL}?access_token=…
         {"touser": openid, "template_id", "page", "data": {"thing1": {"value"} …}}
         200 {"errcode": 0, "msgid": …}

The access token is cached until shortly before it expires and fetched again
when the platform calls it invalid or expired (errcode 40001, 40014, 42001).
Errcode 43101 means the person has not accepted the template: the delivery is
skipped, not retried. The app secret and the token travel in query strings, as
the platform requires: they are never logged, and no requests exception (whose
text holds the URL) is kept.

The template (``NOTIFY_MINIPROGRAM_TEMPLATE_ID``, e.g. “办件进度提醒”) has four
fields: ``thing1`` 事项名称, ``character_string2`` 办件编号, ``phrase3`` 办理结果,
``thing4`` 温馨提示 (the message title).

The openid of a person is recorded at mini-program login
(:func:`record_subscriber`); people who never logged in there are skipped.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import requests
import sqlalchemy as sa

from govcore.db import db, dialect_insert
from govcore.http_client import OwnedSession
from govcore.identity.ports import Identity
from govcore.notifications.models import MiniProgramSubscriber

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

logger = logging.getLogger(__name__)

PROVIDER = "miniprogram"  # govcore.identity.miniprogram.MiniProgramProvider.name
DEFAULT_PAGE = "pages/notifications/index"
#: Fetch a new token this long before the old one expires.
TOKEN_MARGIN_S = 300

ERRCODE_TOKEN = frozenset({40001, 40014, 42001})
ERRCODE_NOT_SUBSCRIBED = 43101
ERRCODE_REJECTED = frozenset({40003, 40037, 41030, 47003})


@dataclass(frozen=True)
class SubscriptionSettings:
    """Endpoints, credentials and template; the secret is left out of ``repr``."""

    send_url: str
    token_url: str
    app_id: str
    app_secret: str = field(repr=False)
    template_id: str = ""
    page: str = DEFAULT_PAGE
    timeout: float = 5.0

    def __post_init__(self) -> None:
        check_gateway_url(self.send_url, "NOTIFY_MINIPROGRAM_URL")
        check_gateway_url(self.token_url, "NOTIFY_MINIPROGRAM_TOKEN_URL")

    @classmethod
    def from_mapping(cls, config: Mapping[str, Any]) -> SubscriptionSettings:
        """Read ``NOTIFY_MINIPROGRAM_*`` and the app's ``MINIPROGRAM_APP_*``.

        :raise ValueError: naming a missing or invalid key (values never echoed).
        """
        return cls(
            send_url=require_setting(config, "NOTIFY_MINIPROGRAM_URL"),
            token_url=require_setting(config, "NOTIFY_MINIPROGRAM_TOKEN_URL"),
            app_id=require_setting(config, "MINIPROGRAM_APP_ID"),
            app_secret=require_setting(config, "MINIPROGRAM_APP_SECRET"),
            template_id=require_setting(config, "NOTIFY_MINIPROGRAM_TEMPLATE_ID"),
            page=str(config.get("NOTIFY_MINIPROGRAM_PAGE") or DEFAULT_PAGE),
            timeout=positive_seconds(config, "NOTIFY_MINIPROGRAM_TIMEOUT", 5.0),
        )


def record_subscriber(identity: Identity, *, now: datetime) -> None:
    """Remember the openid of someone who logged in through the mini-program.

    Identities from other providers are ignored. Part of the login transaction.
    """
    if identity.provider != PROVIDER:
        return
    values = {
        "id_number": identity.id_number,
        "openid": identity.subject,
        "updated_at": now,
    }
    db.session.execute(
        dialect_insert(MiniProgramSubscriber)
        .values(**values)
        .on_conflict_do_update(
            index_elements=["id_number"],
            set_={"openid": identity.subject, "updated_at": now},
        )
    )


def openid_of(id_number: str) -> str | None:
    """The mini-program openid recorded for a person, if any."""
    return db.session.scalar(
        sa.select(MiniProgramSubscriber.openid).where(
            MiniProgramSubscriber.id_number == id_number
        )
    )


class MiniProgramChannel(OwnedSession, Channel):
    """A :class:`Channel` sending subscription messages to the person's openid.

    One instance may serve several threads: the token cache is locked.
    """

    name = "miniprogram"

    def __init__(
        self,
        settings: SubscriptionSettings,
        *,
        find_openid: Callable[[str], str | None] = openid_of,
        session: requests.Session | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        """Create the adapter.

        :param settings: endpoints, app credentials, template and timeout.
        :param find_openid: the openid of an ID number, or ``None``.
        :param session: an HTTP session (its owner closes it); by default the
            adapter creates one and :meth:`close` closes it.
        :param clock: monotonic seconds, for the token's lifetime.
        """
        self._settings = settings
        self._find_openid = find_openid
        self._owns_session = session is None
        self._session = session if session is not None else requests.Session()
        self._clock = clock
        self._lock = threading.Lock()
        self._token: str | None = None
        self._token_until = 0.0

    def deliver(self, message: MessageView, *, now: datetime) -> DeliveryResult:
        """Send the subscription message; see the module docstring."""
        openid = self._find_openid(message.recipient_id_number)
        if not openid:
            raise RecipientUnreachableError(
                "未使用小程序登录，无订阅对象（no openid on file）"
            )
        body = {
            "touser": openid,
            "template_id": self._settings.template_id,
            "page": self._settings.page,
            "data": _template_data(message),
        }
        payload = self._send(body, self._access_token())
        if payload.get("errcode") in ERRCODE_TOKEN:
            self._forget(self._token)
            payload = self._send(body, self._access_token())
        return _interpret(payload)

    # -- token ------------------------------------------------------------- #

    def _access_token(self) -> str:
        with self._lock:
            if self._token is None or self._clock() >= self._token_until:
                self._token, lifetime = self._fetch_token()
                self._token_until = self._clock() + max(lifetime - TOKEN_MARGIN_S, 0)
            return self._token

    def _forget(self, token: str | None) -> None:
        with self._lock:
            if self._token == token:
                self._token = None

    def _fetch_token(self) -> tuple[str, float]:
        params = {
            "grant_type": "client_credential",
            "appid": self._settings.app_id,
            "secret": self._settings.app_secret,
        }
        payload = self._call("GET", self._settings.token_url, params=params)
        token = payload.get("access_token")
        if not isinstance(token, str) or not token:
            raise TemporaryDeliveryError(
                "获取小程序接口凭证失败（token endpoint: errcode "
                f"{payload.get('errcode')}）"
            )
        lifetime = payload.get("expires_in")
        valid = isinstance(lifetime, (int, float)) and not isinstance(lifetime, bool)
        return token, float(lifetime) if valid else 0.0

    # -- HTTP -------------------------------------------------------------- #

    def _send(self, body: dict[str, Any], token: str) -> dict[str, Any]:
        return self._call(
            "POST",
            self._settings.send_url,
            params={"access_token": token},
            data=json.dumps(body, ensure_ascii=False).encode("utf-8"),
        )

    def _call(self, method: str, url: str, **kwargs: Any) -> dict[str, Any]:
        headers = {"Content-Type": "application/json; charset=utf-8"}
        try:
            response = self._session.request(
                method,
                url,
                headers=headers,
                timeout=self._settings.timeout,
                allow_redirects=False,
                **kwargs,
            )
        except requests.RequestException as exc:
            # Not chained: the exception text holds the URL with the secret.
            raise TemporaryDeliveryError(
                f"小程序平台连接失败（platform: {type(exc).__name__}）"
            ) from None
        with response:
            status = response.status_code
            payload = _json_object(response.content)
        if status >= 500 or status == 429:
            raise TemporaryDeliveryError(
                f"小程序平台暂不可用（platform HTTP {status}）"
            )
        if status != 200 or payload is None:
            raise PermanentDeliveryError(
                f"小程序平台应答异常（platform HTTP {status}）"
            )
        return payload


def _template_data(message: MessageView) -> dict[str, dict[str, str]]:
    notice = message.notice
    return {
        "thing1": {"value": (notice.item_name or notice.title)[:20]},
        "character_string2": {"value": (notice.reference_no or "-")[:32]},
        "phrase3": {"value": notice.result[:5]},
        "thing4": {"value": notice.title[:20]},
    }


def _interpret(payload: dict[str, Any]) -> DeliveryResult:
    errcode = payload.get("errcode", 0)
    if errcode == 0:
        msgid = payload.get("msgid")
        return DeliveryResult(provider_ref=str(msgid)[:80] if msgid else None)
    if errcode == ERRCODE_NOT_SUBSCRIBED:
        raise RecipientUnreachableError(
            "用户未订阅该消息（not subscribed, errcode 43101）"
        )
    if errcode in ERRCODE_REJECTED:
        raise PermanentDeliveryError(f"小程序平台拒绝（platform errcode {errcode}）")
    # Busy (-1), rate-limited (45009), an expired token twice, or unknown.
    raise TemporaryDeliveryError(f"小程序平台暂不可用（platform errcode {errcode}）")


def _json_object(content: bytes) -> dict[str, Any] | None:
    try:
        payload = json.loads(content)
    except (ValueError, RecursionError):
        return None
    return payload if isinstance(payload, dict) else None
