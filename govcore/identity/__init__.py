"""Identity: providers that vouch for a real-name identity, and sessions."""

from govcore.identity.dev import DevIdentityProvider
from govcore.identity.ports import Identity, IdentityProvider
from govcore.identity.sessions import (
    KIOSK_POLICY,
    MOBILE_POLICY,
    SessionPolicy,
    UserSession,
    claim_login_code,
    end_session,
    open_session,
    resolve_session,
)

__all__ = [
    "KIOSK_POLICY",
    "MOBILE_POLICY",
    "DevIdentityProvider",
    "Identity",
    "IdentityProvider",
    "SessionPolicy",
    "UserSession",
    "claim_login_code",
    "end_session",
    "open_session",
    "resolve_session",
]
