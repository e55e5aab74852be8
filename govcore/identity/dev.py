"""A development identity provider: trusts the ID number and name it is given.

For the standalone demo and the tests only. The production configuration
refuses to start with it enabled (``AUTH_DEV_LOGIN``).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from govcore.errors import AuthenticationError, ValidationError
from govcore.identity.ports import Identity, IdentityProvider
from govcore.validation import parse_id_number

NAME = re.compile(r"^[\u3400-\u9fff·A-Za-z ]{1,30}$")


class DevIdentityProvider(IdentityProvider):
    name = "dev"

    def authenticate(
        self, credentials: Mapping[str, Any], *, now: datetime
    ) -> Identity:
        raw_id = credentials.get("id_number")
        name = str(credentials.get("name") or "").strip()
        try:
            id_number = parse_id_number(str(raw_id or ""), today=now.date()).number
        except ValidationError as exc:
            raise AuthenticationError(exc.message, code="bad_credentials") from None
        if not NAME.match(name):
            raise AuthenticationError(
                "姓名格式不正确（name must be 1-30 Chinese or Latin letters）",
                code="bad_credentials",
            )
        return Identity(
            id_number=id_number, name=name, provider=self.name, subject=id_number
        )
