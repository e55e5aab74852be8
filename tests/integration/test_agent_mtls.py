"""The terminal agent over mutual TLS (docs/DEPLOY.md §4.3, §4.5): its client
certificate and the CA bundle it checks the server with reach the HTTP
session, and against a real TLS server on a loopback port that requires a
client certificate, it gets in with the terminal's certificate and is
refused without it, with another CA's certificate, or when the server's
certificate is not from the bundle.

The certificates are made here with ``cryptography``; the server is Python's
``ssl`` over ``http.server``, asking for a certificate as nginx's kiosk host
does (``ssl_verify_client on``).
"""

from __future__ import annotations

import ipaddress
import logging
import ssl
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from flask import Flask

from devices.agent import Agent, HttpTransport, TransportError

from tests.http_fake import QuietHandler

TERMINAL = "LH-JX-001"
SECRET = "s" * 43
NOW = datetime.now(timezone.utc)


# ------------------------------------------------------------ certificates


@dataclass
class Pki:
    """PEM files in ``folder``: a server CA and the server's certificate, the
    terminal CA and a terminal's client certificate, and a stranger CA with a
    client certificate of its own under the same CN."""

    folder: Path
    files: dict[str, Path] = field(default_factory=dict)

    def path(self, name: str) -> str:
        return str(self.files[name])


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _name(common_name: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "Longhu test"),
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
        ]
    )


def _builder(subject: x509.Name, issuer: x509.Name, key) -> x509.CertificateBuilder:
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=2))
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(key.public_key()), False
        )
    )


def _ca(common_name: str):
    key = _key()
    name = _name(common_name)
    usage = x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )
    cert = (
        _builder(name, name, key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), True)
        .add_extension(usage, True)
        .sign(key, hashes.SHA256())
    )
    return cert, key


def _leaf(common_name: str, ca, *, server: bool):
    ca_cert, ca_key = ca
    key = _key()
    builder = (
        _builder(_name(common_name), ca_cert.subject, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), True)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()),
            False,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [
                    (
                        ExtendedKeyUsageOID.SERVER_AUTH
                        if server
                        else ExtendedKeyUsageOID.CLIENT_AUTH
                    )
                ]
            ),
            False,
        )
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName(
                [
                    x509.DNSName("localhost"),
                    x509.IPAddress(ipaddress.ip_address("127.0.0.1")),
                ]
            ),
            False,
        )
    return builder.sign(ca_key, hashes.SHA256()), key


def _write(pki: Pki, name: str, cert, key=None) -> None:
    path = pki.folder / f"{name}.pem"
    path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    pki.files[name] = path
    if key is not None:
        key_path = pki.folder / f"{name}.key.pem"
        key_path.write_bytes(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
        key_path.chmod(0o600)
        pki.files[f"{name}.key"] = key_path


@pytest.fixture(scope="module")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    pki = Pki(tmp_path_factory.mktemp("mtls"))
    server_ca, terminal_ca, stranger_ca = (
        _ca("test server CA"),
        _ca("test terminal CA"),
        _ca("stranger CA"),
    )
    _write(pki, "server-ca", server_ca[0])
    _write(pki, "terminal-ca", terminal_ca[0])
    _write(pki, "stranger-ca", stranger_ca[0])
    _write(pki, "server", *_leaf("localhost", server_ca, server=True))
    _write(pki, "terminal", *_leaf(TERMINAL, terminal_ca, server=False))
    _write(pki, "stranger", *_leaf(TERMINAL, stranger_ca, server=False))
    return pki


# ------------------------------------------------------------ the server


class Server(ThreadingHTTPServer):
    daemon_threads = True
    answer_status = 200
    seen: list[dict[str, str]]


class Handler(QuietHandler):
    server: Server

    def do_GET(self) -> None:  # noqa: N802 (http.server's name)
        self._answer()

    def do_POST(self) -> None:  # noqa: N802
        self.body()
        self._answer()

    def _answer(self) -> None:
        peer = self.connection.getpeercert()  # type: ignore[attr-defined]
        subject = dict(pair for rdn in peer["subject"] for pair in rdn)
        self.server.seen.append(
            {
                "path": self.path,
                "cn": subject["commonName"],
                "terminal": self.headers.get("X-Terminal", ""),
                "authorization": self.headers.get("Authorization", ""),
            }
        )
        status = self.server.answer_status
        self.send_json(
            status, {"commands": [], "accepted": True} if status == 200 else {}
        )


@pytest.fixture
def server(pki: Pki) -> Iterator[Server]:
    """HTTPS on a loopback port, a client certificate of the terminal CA
    required (as nginx's ``ssl_verify_client on``)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(pki.path("server"), pki.path("server.key"))
    context.load_verify_locations(pki.path("terminal-ca"))
    context.verify_mode = ssl.CERT_REQUIRED
    httpd = Server(("127.0.0.1", 0), Handler)
    httpd.seen = []
    httpd.socket = context.wrap_socket(httpd.socket, server_side=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield httpd
    httpd.shutdown()
    httpd.server_close()


def url(server: Server) -> str:
    return f"https://127.0.0.1:{server.server_port}/api/v1/terminal"


def transport(server: Server, pki: Pki, *, cert: str | None = "terminal", **kw):
    client_cert = (pki.path(cert), pki.path(f"{cert}.key")) if cert else None
    return HttpTransport(
        url(server),
        TERMINAL,
        SECRET,
        timeout=5,
        client_cert=client_cert,
        ca_bundle=kw.pop("ca_bundle", pki.path("server-ca")),
        **kw,
    )


# ------------------------------------------------------------ the transport


def test_the_options_reach_the_http_session(pki: Pki) -> None:
    plain = HttpTransport("https://example.invalid/api/v1/terminal", TERMINAL, SECRET)
    assert plain.session.cert is None and plain.session.verify is True
    configured = HttpTransport(
        "https://example.invalid/api/v1/terminal",
        TERMINAL,
        SECRET,
        client_cert=(pki.path("terminal"), pki.path("terminal.key")),
        ca_bundle=pki.path("server-ca"),
    )
    assert configured.session.cert == (pki.path("terminal"), pki.path("terminal.key"))
    assert configured.session.verify == pki.path("server-ca")
    assert configured.session.headers["X-Terminal"] == TERMINAL


def test_the_agent_gets_in_with_the_terminals_certificate(server, pki) -> None:
    assert transport(server, pki).get_commands(0) == []
    assert transport(server, pki).post_event({"kind": "heartbeat"}) == {
        "commands": [],
        "accepted": True,
    }
    first = server.seen[0]
    assert first["cn"] == TERMINAL
    assert first["terminal"] == TERMINAL
    assert first["authorization"] == f"Bearer {SECRET}"
    assert first["path"] == "/api/v1/terminal/commands?wait=0"


@pytest.mark.parametrize("cert", [None, "stranger"])
def test_without_a_certificate_of_the_terminal_ca_it_is_refused(
    server, pki, cert, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.CRITICAL)
    with pytest.raises(TransportError) as refused:
        transport(server, pki, cert=cert).get_commands(0)
    assert refused.value.status is None  # no answer at all: TLS said no
    assert server.seen == []


def test_a_server_certificate_outside_the_bundle_is_refused(server, pki) -> None:
    with pytest.raises(TransportError, match="SSLError"):
        transport(server, pki, ca_bundle=pki.path("stranger-ca")).get_commands(0)
    # Without a bundle of its own the agent trusts the default store, which
    # does not know this server's CA either.
    with pytest.raises(TransportError, match="SSLError"):
        HttpTransport(
            url(server),
            TERMINAL,
            SECRET,
            timeout=5,
            client_cert=(pki.path("terminal"), pki.path("terminal.key")),
        ).get_commands(0)
    assert server.seen == []


def test_the_bundle_wins_over_requests_ca_bundle(
    server, pki, monkeypatch: pytest.MonkeyPatch
) -> None:
    # agent.env sets REQUESTS_CA_BUNDLE to the system store; requests would
    # let it override a session's own ``verify``.
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", pki.path("stranger-ca"))
    assert transport(server, pki).get_commands(0) == []


# ------------------------------------------------------------ the command


def test_the_agent_command_takes_the_certificate_options(
    sqlite_app: Flask, server, pki, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``flask devices agent`` with the options as flags and as environment
    variables (agent.env): the terminal's certificate reaches the server.

    The agent makes one cycle instead of running until revoked: one that
    cannot reach the server would otherwise never end, and neither would
    this test."""
    monkeypatch.setattr(Agent, "run", Agent.step)
    sqlite_app.instance_path = str(tmp_path)
    secret_file = tmp_path / "terminal.secret"
    secret_file.write_text(SECRET)
    secret_file.chmod(0o600)
    base = ["devices", "agent", "--server", url(server), "--terminal", TERMINAL]
    base += ["--secret-file", str(secret_file)]
    runner = sqlite_app.test_cli_runner()
    flags = [
        "--client-cert",
        pki.path("terminal"),
        "--client-key",
        pki.path("terminal.key"),
        "--ca-bundle",
        pki.path("server-ca"),
    ]
    result = runner.invoke(args=base + flags)
    assert result.exit_code == 0, result.output
    # The heartbeat and the command poll, both with the terminal's certificate.
    assert [s["path"] for s in server.seen] == [
        "/api/v1/terminal/events",
        "/api/v1/terminal/commands?wait=0",
    ]
    assert {s["cn"] for s in server.seen} == {TERMINAL}
    server.seen.clear()
    environment = {
        "MIAOPI_AGENT_CLIENT_CERT": pki.path("terminal"),
        "MIAOPI_AGENT_CLIENT_KEY": pki.path("terminal.key"),
        "MIAOPI_AGENT_CA_BUNDLE": pki.path("server-ca"),
    }
    result = runner.invoke(args=base, env=environment)
    assert result.exit_code == 0, result.output
    assert len(server.seen) == 2 and {s["cn"] for s in server.seen} == {TERMINAL}
    # Without them the server lets nothing through.
    server.seen.clear()
    result = runner.invoke(args=[*base, "--ca-bundle", pki.path("server-ca")])
    assert result.exit_code == 0, result.output
    assert server.seen == []


def test_the_agent_command_refuses_half_or_open_key_options(
    sqlite_app: Flask, pki, tmp_path: Path
) -> None:
    secret_file = tmp_path / "terminal.secret"
    secret_file.write_text(SECRET)
    secret_file.chmod(0o600)
    base = ["devices", "agent", "--server", "https://127.0.0.1:9/api/v1/terminal"]
    base += ["--terminal", TERMINAL, "--secret-file", str(secret_file)]
    runner = sqlite_app.test_cli_runner()
    half = runner.invoke(args=[*base, "--client-cert", pki.path("terminal")])
    assert half.exit_code == 2 and "--client-key" in half.output
    open_key = tmp_path / "open.key.pem"
    open_key.write_bytes(Path(pki.path("terminal.key")).read_bytes())
    open_key.chmod(0o644)
    result = runner.invoke(
        args=[
            *base,
            "--client-cert",
            pki.path("terminal"),
            "--client-key",
            str(open_key),
        ]
    )
    assert result.exit_code == 1
    assert "readable by its owner only" in result.output
