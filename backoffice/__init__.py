"""The staff console at /admin/ for the bureau and the departments."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from backoffice import views  # noqa: E402,F401  (registers the routes on bp)
