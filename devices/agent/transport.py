"""How the agent reaches the server: outbound HTTPS, nothing listening."""

from __future__ import annotations

import abc
from typing import Any

import requests


class TransportError(Exception):
    """The server could not be reached or refused the request."""

    def __init__(self, message: str, *, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


class AgentTransport(abc.ABC):
    @abc.abstractmethod
    def post_event(self, event: dict[str, Any]) -> dict[str, Any]:
        """Send one event; the server's answer (``accepted``)."""

    @abc.abstractmethod
    def get_commands(self, wait: int) -> list[dict[str, Any]]:
        """Commands waiting for this terminal (long poll up to ``wait`` s)."""

    @abc.abstractmethod
    def fetch_document(self, document_id: str) -> bytes:
        """The PDF of a document this terminal was told to print."""

    @abc.abstractmethod
    def fetch_ticket(self, document_id: str, width_mm: int) -> dict[str, Any]:
        """The receipt ticket (JSON) of a document this terminal was told to print."""

    @abc.abstractmethod
    def post_scan_page(self, command_id: str, jpeg: bytes) -> int:
        """Send one scanned page of a scan command; the pages received so far."""


class HttpTransport(AgentTransport):
    """``requests`` against ``base_url`` (``https://…/api/v1/terminal``)."""

    def __init__(
        self,
        base_url: str,
        code: str,
        secret: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {secret}", "X-Terminal": code}
        )

    def post_event(self, event: dict[str, Any]) -> dict[str, Any]:
        return self._call("POST", "/events", json=event).json()

    def get_commands(self, wait: int) -> list[dict[str, Any]]:
        response = self._call(
            "GET", "/commands", params={"wait": wait}, timeout=self.timeout + wait
        )
        return response.json()["commands"]

    def fetch_document(self, document_id: str) -> bytes:
        return self._call("GET", f"/documents/{document_id}/pdf").content

    def fetch_ticket(self, document_id: str, width_mm: int) -> dict[str, Any]:
        path = f"/documents/{document_id}/ticket"
        return self._call("GET", path, params={"width_mm": width_mm}).json()

    def post_scan_page(self, command_id: str, jpeg: bytes) -> int:
        files = {"file": ("page.jpg", jpeg, "image/jpeg")}
        response = self._call("POST", f"/commands/{command_id}/pages", files=files)
        return response.json()["pages"]

    def _call(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        kwargs.setdefault("timeout", self.timeout)
        try:
            response = self.session.request(method, self.base_url + path, **kwargs)
        except requests.RequestException as exc:
            raise TransportError(f"server unreachable: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise TransportError(
                f"server answered {response.status_code}", status=response.status_code
            )
        return response
