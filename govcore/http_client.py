"""What the core's HTTP adapters share: a requests session they may own."""

from __future__ import annotations

from types import TracebackType

import requests


class OwnedSession:
    """Closes ``_session`` on :meth:`close` (or ``with``) if it made it itself."""

    _session: requests.Session
    _owns_session: bool

    def close(self) -> None:
        """Close the HTTP session if this adapter created it."""
        if self._owns_session:
            self._session.close()

    def __enter__(self):  # type: ignore[no-untyped-def]
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()
