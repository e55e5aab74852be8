"""The staff console at /admin/ for the bureau and the departments.

``access`` requires a staff login and each page's permission; ``auth`` logs
in (password + TOTP) and out; ``views`` has the home page and the catalogue;
``reviews`` the manual review queue; ``fleet`` the kiosks; ``audit`` the
audit log for auditors.
"""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from backoffice import (  # noqa: E402,F401
    access,
    audit,
    auth,
    catalogue,
    corrections,
    fleet,
    reports,
    reviews,
    supervision,
    tolerance,
    views,
)
