"""Connection settings of the data-sharing gateway, read from the app config."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from govcore.errors import ValidationError

_REQUIRED_KEYS = {
    "base_url": "DATAHUB_GATEWAY_URL",
    "app_key": "DATAHUB_GATEWAY_APP_KEY",
    "app_secret": "DATAHUB_GATEWAY_APP_SECRET",
}
_FLOAT_KEYS = {
    "connect_timeout_s": "DATAHUB_GATEWAY_CONNECT_TIMEOUT",
    "read_timeout_s": "DATAHUB_GATEWAY_READ_TIMEOUT",
    "backoff_s": "DATAHUB_GATEWAY_BACKOFF",
    "breaker_reset_s": "DATAHUB_GATEWAY_BREAKER_RESET",
}
_INT_KEYS = {
    "max_retries": "DATAHUB_GATEWAY_RETRIES",
    "breaker_fail_max": "DATAHUB_GATEWAY_BREAKER_FAIL_MAX",
}


@dataclass(frozen=True)
class GatewaySettings:
    """Connection settings of the data-sharing gateway.

    ``app_secret`` is excluded from ``repr`` so that logging the settings (or
    an exception that embeds them) cannot leak the signing key.
    """

    base_url: str
    app_key: str
    app_secret: str = field(repr=False)
    connect_timeout_s: float = 1.0
    read_timeout_s: float = 2.0
    max_retries: int = 2
    backoff_s: float = 0.1
    breaker_fail_max: int = 5
    breaker_reset_s: float = 30.0

    def __post_init__(self) -> None:
        parts = urlsplit(self.base_url)
        if parts.scheme not in ("http", "https") or not parts.netloc:
            raise ValidationError(
                "配置项 DATAHUB_GATEWAY_URL 无效（the gateway URL must be an "
                "absolute http(s) URL）",
                field="DATAHUB_GATEWAY_URL",
                code="invalid_gateway_url",
            )
        if parts.query or parts.fragment:
            # The signature covers the path only; a query string in the base
            # URL would be sent unsigned.
            raise ValidationError(
                "配置项 DATAHUB_GATEWAY_URL 不得含查询串（the gateway URL must "
                "not have a query string or fragment）",
                field="DATAHUB_GATEWAY_URL",
                code="invalid_gateway_url",
            )
        checks = (
            ("connect_timeout_s", self.connect_timeout_s > 0),
            ("read_timeout_s", self.read_timeout_s > 0),
            ("max_retries", self.max_retries >= 0),
            ("backoff_s", self.backoff_s >= 0),
            ("breaker_fail_max", self.breaker_fail_max >= 1),
            ("breaker_reset_s", self.breaker_reset_s > 0),
        )
        for name, ok in checks:
            if not ok:
                key = _FLOAT_KEYS.get(name) or _INT_KEYS[name]
                raise ValidationError(
                    f"配置项 {key} 超出范围（{name} out of range）",
                    field=key,
                    code="invalid_gateway_setting",
                )

    @classmethod
    def from_mapping(cls, cfg: Mapping[str, Any]) -> GatewaySettings:
        """Build settings from a configuration mapping (app config, environment).

        Numbers may be given as numbers or as strings, as environment variables
        are.

        :param cfg: a mapping with the ``DATAHUB_GATEWAY_*`` keys.
        :return: the validated settings.
        :raise ValidationError: if the URL, app key or app secret is missing or
            empty (the message names the key, never the value), or a number is
            malformed or out of range.
        """
        kwargs: dict[str, Any] = {}
        for name, key in _REQUIRED_KEYS.items():
            value = cfg.get(key)
            if value is None or not str(value).strip():
                raise ValidationError(
                    f"缺少配置项 {key}（missing setting {key}）",
                    field=key,
                    code="missing_gateway_setting",
                )
            kwargs[name] = str(value).strip()
        for name, key in _FLOAT_KEYS.items():
            if cfg.get(key) is not None:
                kwargs[name] = _parse_number(cfg[key], key, float)
        for name, key in _INT_KEYS.items():
            if cfg.get(key) is not None:
                kwargs[name] = _parse_number(cfg[key], key, int)
        return cls(**kwargs)


def _parse_number(raw: Any, key: str, kind: Callable[[Any], Any]) -> Any:
    # bool is an int subclass; "DATAHUB_GATEWAY_RETRIES = True" is a mistake,
    # not 1.
    if isinstance(raw, bool):
        raise ValidationError(
            f"配置项 {key} 须为数字（{key} must be a number）",
            field=key,
            code="invalid_gateway_setting",
        )
    try:
        return kind(str(raw).strip() if isinstance(raw, str) else raw)
    except (TypeError, ValueError):
        raise ValidationError(
            f"配置项 {key} 须为数字（{key} must be a number）",
            field=key,
            code="invalid_gateway_setting",
        ) from None
