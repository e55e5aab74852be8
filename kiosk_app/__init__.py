"""The touch-screen kiosk at /kiosk/ (粤智助-style self-service terminal).

``context`` binds the screen to its terminal and the card holder's session;
``welcome`` starts and ends sessions; ``browse`` finds a service; ``form``,
``materials`` and ``result`` carry an application from the form to the
printed result (``steps`` holds what they share); ``phone`` hands over to
the mini-program; ``assist`` signs hall staff in.
"""

from flask import Blueprint

from kiosk_app.audio import prompt_url

bp = Blueprint("kiosk", __name__, url_prefix="/kiosk")
# Templates ask for a step's spoken prompt with {{ prompt_url("welcome", "zh") }}.
bp.add_app_template_global(prompt_url, "prompt_url")

from kiosk_app import (  # noqa: E402,F401  (the routes)
    assist,
    browse,
    context,
    form,
    materials,
    phone,
    result,
    welcome,
)
