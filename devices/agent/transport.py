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
    """``requests`` against ``base_url`` (``https://…/api/v1/terminal``).

    :param client_cert: the terminal's TLS client certificate and its key,
        as two PEM file paths, for a server that asks for one (nginx's kiosk
        host, mutual TLS); ``None``: no client certificate.
    :param ca_bundle: a PEM file of the CA certificates the server's
        certificate must chain to; ``None``: the default store (or the
        ``REQUESTS_CA_BUNDLE`` file). Given, it wins over that variable.
    """

    def __init__(
        self,
        base_url: str,
        code: str,
        secret: str,
        *,
        session: requests.Session | None = None,
        timeout: float = 10.0,
        client_cert: tuple[str, str] | None = None,
        ca_bundle: str | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.timeout = timeout
        self.session = session or requests.Session()
        self.session.headers.update(
            {"Authorization": f"Bearer {secret}", "X-Terminal": code}
        )
        if client_cert is not None:
            self.session.cert = client_cert
        if ca_bundle is not None:
            self.session.verify = ca_bundle
        self.ca_bundle = ca_bundle

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
        if self.ca_bundle is not None:
            # Per request: requests lets REQUESTS_CA_BUNDLE override a
            # session's ``verify``, but not a request's.
            kwargs.setdefault("verify", self.ca_bundle)
        try:
            response = self.session.request(method, self.base_url + path, **kwargs)
        except requests.RequestException as exc:
            raise TransportError(f"server unreachable: {type(exc).__name__}") from None
        if response.status_code >= 400:
            raise TransportError(
                f"server answered {response.status_code}{_reason(response)}",
                status=response.status_code,
            )
        return response


def _reason(response: requests.Response) -> str:
    """The server's own words for a refusal (``message`` of its JSON error)."""
    try:
        message = response.json().get("message")
    except (ValueError, AttributeError):
        return ""
    return f": {str(message)[:200]}" if message else ""
