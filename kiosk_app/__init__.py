"""The touch-screen kiosk at /kiosk/ (粤智助-style self-service terminal)."""

from flask import Blueprint

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")

from kiosk_app import views  # noqa: E402,F401  (registers the routes on bp)
