"""Configuration classes. Environment variables override the class defaults.

``MIAOPI_CONFIG`` picks the class (``standalone``, ``central`` or ``testing``);
``DATABASE_URL``, ``SECRET_KEY`` and any ``MIAOPI_*`` variable (e.g.
``MIAOPI_DATAHUB_ADAPTER=gateway``) override single settings.
"""

from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent


class Config:
    """Settings shared by every role."""

    ROLE = "standalone"
    SECRET_KEY: str | None = None
    SQLALCHEMY_DATABASE_URI: str | None = None
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    CATALOG_DIR = str(BASE_DIR / "catalog")
    DATAHUB_ADAPTER = "sandbox"
    DATAHUB_SANDBOX_UNAVAILABLE: tuple[str, ...] = ()
    DISTRICT_CODE = "440507"
    DISTRICT_NAME = "汕头市龙湖区"
    SANDBOX_DEFAULT_PEOPLE = 2000
    SANDBOX_DEFAULT_SEED = 440507
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    # The mini-program page a kiosk's hand-off QR code opens (扫码续办).
    MOBILE_HANDOFF_URL = "https://miaoban.longhu.gov.cn/m/handoff"
    # …and the page its welcome-screen QR opens: log in at the kiosk by phone.
    MOBILE_KIOSK_LOGIN_URL = "https://miaoban.longhu.gov.cn/m/kiosk-login"
    # Uploaded material scans (cleaned images) live here, outside static/.
    UPLOAD_DIR: str | None = None  # default: <instance>/uploads
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024
    UPLOAD_MAX_PIXELS = 40_000_000
    MAX_CONTENT_LENGTH = 12 * 1024 * 1024  # a whole request, multipart included
    # An Idempotency-Key left "in flight" this long was abandoned (its request
    # lost the database midway): a retry with it may take it over. Longer than
    # any request may run (docs/FAULTS.md).
    IDEMPOTENCY_LEASE_S = 60.0
    CALENDAR_DIR = str(BASE_DIR / "catalog" / "calendar")
    # Identity providers: the development login exists only when this is on.
    AUTH_DEV_LOGIN = False
    MINIPROGRAM_SESSION_URL: str | None = None  # on: the mini-program login
    MINIPROGRAM_APP_ID: str | None = None
    MINIPROGRAM_APP_SECRET: str | None = None
    # Notification delivery (docs/notifications.md); the inbox is always on,
    # SMS and mini-program messages when their URL is set.
    NOTIFY_SMS_URL: str | None = None
    NOTIFY_SMS_APP_KEY: str | None = None
    NOTIFY_SMS_APP_SECRET: str | None = None
    NOTIFY_SMS_SIGNATURE = "【龙湖政务】"
    NOTIFY_SMS_TIMEOUT = 5.0
    NOTIFY_MINIPROGRAM_URL: str | None = None  # uses MINIPROGRAM_APP_ID/SECRET
    NOTIFY_MINIPROGRAM_TOKEN_URL: str | None = None
    NOTIFY_MINIPROGRAM_TEMPLATE_ID: str | None = None
    NOTIFY_MINIPROGRAM_PAGE = "pages/notifications/index"
    NOTIFY_MINIPROGRAM_TIMEOUT = 5.0
    NOTIFY_BATCH = 50
    NOTIFY_INTERVAL_S = 5.0
    NOTIFY_MAX_ATTEMPTS = 6
    NOTIFY_RETRY_BASE_S = 30.0
    NOTIFY_LEASE_S = 300.0
    NOTIFY_IN_PROCESS = False  # standalone: deliver in a thread of the server
    # Result documents (docs/certificates.md): the keys that sign canonical
    # fields (one PEM pair per key id; the active one signs, all verify), the
    # bureau's PAdES certificate, and the public page the QR codes point to.
    DOCUMENT_KEY_DIR: str | None = None  # default: <instance>/keys
    DOCUMENT_ACTIVE_KEY_ID = "doc-1"
    DOCUMENT_PKI_DIR: str | None = None  # default: <instance>/pki
    DOCUMENT_GENERATE_KEYS = False  # make the key and a local CA when missing
    VERIFY_BASE_URL = "http://127.0.0.1:5000/verify/"
    # Rate limits per client address (webapp/rate_limits.py, docs/security.md).
    # Public verification is open to anyone: every request counts.
    VERIFY_RATE_LIMIT = "60 per minute"
    # Logins and one-time codes: only failed attempts count. Staff names are
    # throttled on their own after 10 failures (govcore.staff.accounts); this
    # stops one address from trying many names.
    STAFF_LOGIN_RATE_LIMIT = "30 per minute;200 per hour"
    CITIZEN_LOGIN_RATE_LIMIT = "10 per minute;50 per hour"
    ONE_TIME_CODE_RATE_LIMIT = "10 per minute;50 per hour"
    # Hall staff's kiosk PIN (帮办): each account is throttled on its own too;
    # this stops one terminal's address from trying PINs across accounts.
    KIOSK_PIN_RATE_LIMIT = "10 per minute;50 per hour"
    # memory:// counts in one process; the central role's workers share Redis
    # (MIAOPI_RATELIMIT_STORAGE_URI=redis://…), and fall back to memory while
    # Redis does not answer.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_KEY_PREFIX = "miaopi"
    RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
    RATELIMIT_HEADERS_ENABLED = True
    # Strict-Transport-Security on HTTPS requests (webapp/security_headers.py).
    HSTS_MAX_AGE = 365 * 24 * 3600
    # Kiosk devices (docs/devices.md): "simulated" or "real" (DEVICE_* settings).
    DEVICES = "simulated"
    DEVICE_ID_READER: str | None = None  # serial:/dev/idreader or usb:VID:PID
    DEVICE_ID_PHOTO_LIBRARY: str | None = None  # the vendor's WLT decoder (.so)
    DEVICE_ID_PHOTO_FUNCTION = "unpack"
    DEVICE_A4_QUEUE: str | None = None  # CUPS queue name
    DEVICE_CUPS_SERVER: str | None = None  # default: the local cupsd
    DEVICE_RECEIPT: str | None = None  # ESC/POS: tcp:host[:9100], usb:VID:PID, serial:…
    DEVICE_RECEIPT_WIDTH_MM = 80
    DEVICE_SCANNER: str | None = None  # sane:<device> or camera:/dev/video0
    # Which terminal a kiosk screen belongs to (docs/kiosk.md): behind nginx,
    # the terminal's client certificate names it in KIOSK_TERMINAL_HEADER (set
    # by the proxy, never by the browser); a one-terminal setup names it here.
    KIOSK_TERMINAL: str | None = None
    KIOSK_TERMINAL_HEADER: str | None = None  # e.g. "X-Kiosk-Terminal"
    # Refuse terminal agents that come without the terminal's client
    # certificate (i.e. not through nginx's terminal host); needs the header.
    TERMINAL_AGENT_CERT_REQUIRED = False
    SESSION_COOKIE_SAMESITE = "Lax"
    # The mini-program page a kiosk's hand-off QR code opens (扫码续办).
    MOBILE_HANDOFF_URL = "https://miaoban.longhu.gov.cn/m/handoff"
    # …and the page its welcome-screen QR opens: log in at the kiosk by phone.
    MOBILE_KIOSK_LOGIN_URL = "https://miaoban.longhu.gov.cn/m/kiosk-login"
    # The mobile API and its OpenAPI document (flask-smorest).
    API_TITLE = "miaopi 秒批秒报 mobile API"
    API_VERSION = "v1"
    OPENAPI_VERSION = "3.0.3"
    OPENAPI_URL_PREFIX = "/api/v1"
    OPENAPI_JSON_PATH = "openapi.json"


class StandaloneConfig(Config):
    """``make run``: one process on SQLite with simulated devices.

    The secret key is generated into the instance folder on first start.
    """

    ROLE = "standalone"
    GENERATE_SECRET_KEY = True
    AUTH_DEV_LOGIN = True  # the demo logs in sandbox people by ID number
    DOCUMENT_GENERATE_KEYS = True  # a demo key and local CA in instance/
    NOTIFY_IN_PROCESS = True  # `make run` delivers without a second command
    KIOSK_TERMINAL = "LH-DEMO-001"  # the in-process agent's simulated terminal
    # A month of applications made through the use cases on first start, so
    # the console's queues, charts and reports have something to show.
    DEMO_HISTORY = True


class CentralConfig(Config):
    """The production central server: PostgreSQL and a secret from the environment."""

    ROLE = "central"
    SESSION_COOKIE_SECURE = True
    REQUIRED_SETTINGS = ("SECRET_KEY", "SQLALCHEMY_DATABASE_URI")
    # Settings that must stay off in production; create_app refuses otherwise.
    FORBIDDEN_SETTINGS = ("AUTH_DEV_LOGIN",)


class TestingConfig(Config):
    ROLE = "testing"
    TESTING = True
    SECRET_KEY = "testing-only-secret"
    SQLALCHEMY_DATABASE_URI = "sqlite://"
    AUTH_DEV_LOGIN = True
    DOCUMENT_GENERATE_KEYS = True
    DEMO_HISTORY = False  # the tests that want it say so


CONFIGS: dict[str, type[Config]] = {
    "standalone": StandaloneConfig,
    "central": CentralConfig,
    "production": CentralConfig,
    "testing": TestingConfig,
}


def config_from_environment() -> dict[str, str]:
    """Return the settings the environment sets, under their config key names."""
    settings = {}
    if os.environ.get("DATABASE_URL"):
        settings["SQLALCHEMY_DATABASE_URI"] = os.environ["DATABASE_URL"]
    if os.environ.get("SECRET_KEY"):
        settings["SECRET_KEY"] = os.environ["SECRET_KEY"]
    return settings
