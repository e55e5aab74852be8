"""The identity-provider port: who is this person, according to a trusted party.

An adapter turns a credential (a mini-program login code, an ID card read at a
kiosk, a development login) into a real-name :class:`Identity`. The core never
trusts a name or ID number the client merely states; it trusts an adapter.
"""

from __future__ import annotations

import abc
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Identity:
    """A real-name identity vouched for by a provider.

    :param id_number: the normalised 18-character 公民身份号码.
    :param name: the name registered with that number.
    :param provider: the provider's name, e.g. ``miniprogram`` or ``dev``.
    :param subject: the provider's own stable id for the person (an openid),
        or the ID number when the provider has none.
    """

    id_number: str
    name: str
    provider: str
    subject: str


class IdentityProvider(abc.ABC):
    """Turns a credential into an :class:`Identity`."""

    name: str

    @abc.abstractmethod
    def authenticate(
        self, credentials: Mapping[str, Any], *, now: datetime
    ) -> Identity:
        """Return the identity the credentials prove.

        :raise AuthenticationError: if the credentials are wrong, used or expired.
        :raise UnavailableError: if the provider cannot answer now.
        """
        raise NotImplementedError
