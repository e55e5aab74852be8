"""Security headers on every response, and the trusted reverse proxy.

One place sets them for every page, API answer, file and error (the kiosk,
console and verification blueprints set only their caching rules):

- ``Content-Security-Policy``: scripts, styles and everything else from this
  server only; no inline script, no inline style, no plugins, no ``<base>``,
  forms post only here, and no other site may frame a page. The kiosk's QR
  codes are inline SVG (or an SVG image from this server), its prompts audio
  files from ``static/``, its scan previews images from this server; the
  pages' only ``data:`` URL is the empty favicon (``<link rel="icon"
  href="data:,">``), hence ``img-src 'self' data:``. No page uses the camera
  in the browser (the terminal agent drives the document camera), so there is
  no ``blob:`` or ``mediastream:`` anywhere.
- ``X-Content-Type-Options: nosniff`` and ``X-Frame-Options: DENY`` (the
  latter for browsers older than ``frame-ancestors``).
- ``Referrer-Policy: same-origin``: addresses never go to another site. Not
  ``no-referrer``: Flask-WTF's CSRF check wants a same-origin ``Referer`` on
  every form post over HTTPS, which ``no-referrer`` would suppress. The
  verification pages, whose address holds the document's token and which post
  no form, send none at all.
- ``Permissions-Policy``: no camera, microphone, location, payment or device
  access (USB, serial, HID) for any page.
- ``Strict-Transport-Security`` only on requests that came over HTTPS.

Behind nginx (the central role) the request's scheme and client address come
from ``X-Forwarded-Proto`` and ``X-Forwarded-For`` of trusted proxies only:
``deploy/gunicorn.conf.py`` applies Werkzeug's ProxyFix to requests from
``MIAOPI_FORWARDED_ALLOW_IPS``, so ``request.is_secure`` (HSTS) and the client
address the rate limits count by (``webapp.rate_limits``) cannot be forged by
a client's own headers. The application adds no second ProxyFix.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
PERMISSIONS_POLICY = ", ".join(
    f"{feature}=()"
    for feature in (
        "camera",
        "microphone",
        "geolocation",
        "payment",
        "usb",
        "serial",
        "hid",
    )
)
REFERRER_POLICY = "same-origin"
# Blueprints whose pages send no Referer at all (their address is a secret).
NO_REFERRER_BLUEPRINTS = frozenset({"verify_page"})
HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Permissions-Policy": PERMISSIONS_POLICY,
}


def init_app(app: Flask) -> None:
    """Add the headers to every response of ``app``."""
    app.after_request(add_security_headers)


def add_security_headers(response: Response) -> Response:
    response.headers.update(HEADERS)
    response.headers["Referrer-Policy"] = (
        "no-referrer"
        if request.blueprint in NO_REFERRER_BLUEPRINTS
        else REFERRER_POLICY
    )
    if request.is_secure:
        max_age = int(current_app.config["HSTS_MAX_AGE"])
        response.headers["Strict-Transport-Security"] = f"max-age={max_age}"
    return response
