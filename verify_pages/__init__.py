"""The public verification page at /verify/<token> (the QR code's address).

Anyone may open it, without logging in, on a phone: it says whether the
document is genuine and valid, and shows only masked personal data.
"""

from flask import Blueprint

bp = Blueprint("verify_page", __name__, url_prefix="/verify")

from verify_pages import views  # noqa: E402,F401  (registers the routes on bp)
