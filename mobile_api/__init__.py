"""The JSON API for the mobile mini-program at /api/v1/."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from mobile_api import views  # noqa: E402,F401  (registers the routes on bp)
