"""The composition root: builds the Flask application and wires every layer.

Nothing imports ``webapp``; it imports the core, the edges and the drivers.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from flask import Flask, request, session

from govcore.datahub import make_data_source
from govcore.datahub.credit import make_credit_register
from govcore.db import db
from govcore.filestore import LocalFileStore
from govcore.identity import DevIdentityProvider, IdentityProvider, claim_login_code
from govcore.identity.miniprogram import MiniProgramProvider, MiniProgramSettings
from govcore.workdays import load_calendar
from webapp.documents import document_services
from webapp.extensions import babel, csrf, migrate
from webapp.config import (
    BASE_DIR,
    CONFIGS,
    Config,
    TestingConfig,
    config_from_environment,
)
from webapp.secrets import instance_secret_key

ConfigArg = str | type[Config] | Mapping[str, Any] | None


def create_app(config: ConfigArg = None) -> Flask:
    """Create the miaopi application (kiosk, mobile API, back office).

    :param config: ``None`` reads ``MIAOPI_CONFIG`` (default ``standalone``); a
        name or class picks a config class; a mapping is a test configuration:
        :class:`TestingConfig` updated with the mapping, ignoring the environment.
    :raise RuntimeError: if a production setting such as ``SECRET_KEY`` is missing.
    """
    app = Flask(
        "webapp",
        root_path=str(BASE_DIR / "webapp"),
        template_folder=str(BASE_DIR / "templates"),
        static_folder=str(BASE_DIR / "static"),
        instance_path=os.environ.get(
            "MIAOPI_INSTANCE_PATH", str(BASE_DIR / "instance")
        ),
    )
    load_config(app, config)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # readable Chinese
    register_extensions(app)
    register_blueprints(app)
    register_security(app)
    register_error_handlers(app)
    register_commands(app)
    return app


def load_config(app: Flask, config: ConfigArg) -> None:
    """Apply the config class, then the environment, then derived defaults."""
    if isinstance(config, Mapping):
        app.config.from_object(TestingConfig)
        app.config.update(config)
    else:
        name = config or os.environ.get("MIAOPI_CONFIG", "standalone")
        if isinstance(name, str) and name not in CONFIGS:
            raise RuntimeError(
                f"unknown MIAOPI_CONFIG {name!r}; choose one of {sorted(CONFIGS)}"
            )
        app.config.from_object(CONFIGS[name] if isinstance(name, str) else name)
        app.config.update(config_from_environment())
        app.config.from_prefixed_env("MIAOPI")
    # A logged database error never quotes its bound values (ID numbers, names);
    # an engine option set explicitly (MIAOPI_SQLALCHEMY_ENGINE_OPTIONS) wins.
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        "hide_parameters": True,
        **(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {}),
    }
    if not app.config.get("SECRET_KEY") and app.config.get("GENERATE_SECRET_KEY"):
        app.config["SECRET_KEY"] = instance_secret_key(app.instance_path)
    if (
        not app.config.get("SQLALCHEMY_DATABASE_URI")
        and app.config["ROLE"] == "standalone"
    ):
        Path(app.instance_path).mkdir(parents=True, exist_ok=True)
        app.config["SQLALCHEMY_DATABASE_URI"] = (
            f"sqlite:///{Path(app.instance_path) / 'miaopi.sqlite3'}"
        )
    missing = [
        key
        for key in app.config.get("REQUIRED_SETTINGS", ())
        if not app.config.get(key)
    ]
    if missing:
        raise RuntimeError(
            f"refusing to start the {app.config['ROLE']} role without "
            f"{', '.join(missing)} (set them in the environment)"
        )
    if app.config.get("TERMINAL_AGENT_CERT_REQUIRED") and not app.config.get(
        "KIOSK_TERMINAL_HEADER"
    ):
        raise RuntimeError(
            "TERMINAL_AGENT_CERT_REQUIRED needs KIOSK_TERMINAL_HEADER, the header"
            " nginx sets from the terminal's client certificate"
        )
    enabled = [
        key for key in app.config.get("FORBIDDEN_SETTINGS", ()) if app.config[key]
    ]
    if enabled:
        raise RuntimeError(
            f"refusing to start the {app.config['ROLE']} role with "
            f"{', '.join(enabled)} on (a development setting)"
        )


def register_extensions(app: Flask) -> None:
    """Bind the database and build the shared-data source."""
    db.init_app(app)
    csrf.init_app(app)
    babel.init_app(
        app,
        locale_selector=screen_locale,
        default_translation_directories=str(BASE_DIR / "translations"),
    )
    migrate.init_app(
        app,
        db,
        directory=str(BASE_DIR / "migrations"),
        render_as_batch=True,
        compare_type=True,
    )
    app.extensions["miaopi.datasource"] = make_data_source(app.config)
    app.extensions["miaopi.credit_register"] = make_credit_register(app.config)
    app.extensions["miaopi.filestore"] = LocalFileStore(
        app.config.get("UPLOAD_DIR") or Path(app.instance_path) / "uploads"
    )
    app.extensions["miaopi.calendar"] = load_calendar(Path(app.config["CALENDAR_DIR"]))
    app.extensions["miaopi.identity"] = identity_providers(app.config)
    # Staff ID cards are found by an HMAC of their number under this key.
    app.extensions["miaopi.card_pepper"] = hashlib.sha256(
        b"kiosk-staff-card:" + str(app.config["SECRET_KEY"]).encode()
    ).digest()
    app.extensions["miaopi.documents"] = document_services(
        app.config, app.instance_path
    )
    # urllib3 logs request lines, query strings (secrets, login codes) included.
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def screen_locale() -> str:
    """The language a kiosk screen chose (English or Chinese); Chinese elsewhere."""
    if request.blueprint == "kiosk" and session.get("lang") == "en":
        return "en"
    return "zh_Hans_CN"


def identity_providers(config: Mapping[str, Any]) -> dict[str, IdentityProvider]:
    """The identity providers the configuration enables, by name."""
    providers: dict[str, IdentityProvider] = {}
    if config.get("AUTH_DEV_LOGIN"):
        providers["dev"] = DevIdentityProvider()
    if config.get("MINIPROGRAM_SESSION_URL"):
        providers["miniprogram"] = MiniProgramProvider(
            MiniProgramSettings.from_mapping(config), claim_code=claim_login_code
        )
    return providers


def register_blueprints(app: Flask) -> None:
    """Register the edges: health, kiosk, mobile API and back office (and, in
    the standalone demo with simulated devices, the simulator control panel)."""
    import backoffice
    import kiosk_app
    import mobile_api
    import verify_pages
    from webapp import health

    app.register_blueprint(health.bp)
    app.register_blueprint(kiosk_app.bp)
    api = mobile_api.init_app(app)
    for blueprint in api.blueprints:  # bearer tokens, no cookies: nothing to forge
        csrf.exempt(blueprint)
    app.register_blueprint(backoffice.bp)
    app.register_blueprint(verify_pages.bp)
    if app.config["ROLE"] == "standalone" and app.config["DEVICES"] == "simulated":
        from webapp import sim_panel  # the demo's device switches, nowhere else

        app.register_blueprint(sim_panel.bp)


def register_security(app: Flask) -> None:
    """Security headers on every response; rate limits on logins, one-time
    codes and the public verification; database errors logged without the
    values they quote (docs/security.md)."""
    from webapp import log_privacy, rate_limits, security_headers

    security_headers.init_app(app)
    rate_limits.init_app(app)
    log_privacy.install()


def register_error_handlers(app: Flask) -> None:
    from webapp import errors

    errors.init_app(app)


def register_commands(app: Flask) -> None:
    from webapp import cli

    cli.init_app(app)
