"""flask-smorest's Blueprint, documenting the 400 of a malformed JSON body.

flask-smorest documents the 422 of a body that fails its schema, but a body
that is not JSON at all is refused earlier with 400, and the OpenAPI document
did not say so. Every operation taking a JSON body now lists it.
"""

from __future__ import annotations

import http
from typing import Any

from flask_smorest import Blueprint as SmorestBlueprint


class Blueprint(SmorestBlueprint):
    def arguments(  # type: ignore[no-untyped-def,override]
        self, schema: Any, *, location: str = "json", **kwargs: Any
    ):
        decorator = super().arguments(schema, location=location, **kwargs)
        if location != "json":
            return decorator

        def decorate(func):  # type: ignore[no-untyped-def]
            wrapper = decorator(func)
            responses = wrapper._apidoc["arguments"].setdefault("responses", {})
            responses[400] = http.HTTPStatus.BAD_REQUEST.name
            return wrapper

        return decorate
