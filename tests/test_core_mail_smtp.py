"""`core.mail.smtp_send` against a REAL SMTP server (aiosmtpd on 127.0.0.1) in its three modes:
plain, STARTTLS with AUTH LOGIN (server refuses mail before TLS and without login), and direct
SSL/TLS. The server's certificate is a self-signed one made here and trusted through
SSL_CERT_FILE, so the client's default verification (hostname + chain) really runs."""

from __future__ import annotations

import datetime as dt
import ipaddress
import smtplib
import socket
import ssl
import types
from contextlib import contextmanager
from email import message_from_bytes, policy
from email.message import EmailMessage

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from core.mail import smtp_send


class _Inbox:
    def __init__(self):
        self.messages = []

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(message_from_bytes(envelope.content, policy=policy.default))
        return "250 OK"


def _port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def cert(tmp_path_factory):
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = dt.datetime.now(dt.timezone.utc)
    crt = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
           .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(minutes=5))
           .not_valid_after(now + dt.timedelta(days=1))
           .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost"),
                                                       x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
                          critical=False)
           .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
           .sign(key, hashes.SHA256()))
    folder = tmp_path_factory.mktemp("smtp-cert")
    crt_path, key_path = folder / "cert.pem", folder / "key.pem"
    crt_path.write_bytes(crt.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return crt_path, key_path


@pytest.fixture
def trusted(cert, monkeypatch):
    monkeypatch.setenv("SSL_CERT_FILE", str(cert[0]))
    return cert


def _server_context(cert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert[0]), str(cert[1]))
    return ctx


def _settings(port: int, **kw):
    base = {"host": "localhost", "port": port, "ssl": False, "starttls": False, "username": None,
            "password": None, "timeout_seconds": 10}
    return types.SimpleNamespace(**{**base, **kw})


def _message(subject: str) -> EmailMessage:
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "quita@provedor.com.br", "cliente@example.com", subject
    msg.set_content("Olá, Fulano de Tal.", charset="utf-8")
    return msg


def _authenticator(server, session, envelope, mechanism, auth_data):
    ok = auth_data.login == b"quita" and auth_data.password == b"s3nha"
    return AuthResult(success=ok, handled=False)


@contextmanager
def _server(**options):
    """A running aiosmtpd on 127.0.0.1 (options: tls_context, ssl_context, auth…); yields (inbox, port)."""
    inbox, port = _Inbox(), _port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port, **options)
    controller.start()
    try:
        yield inbox, port
    finally:
        controller.stop()


def _subjects(inbox) -> list[str]:
    return [m["Subject"] for m in inbox.messages]


def test_plain_smtp_delivers_the_message():
    with _server() as (inbox, port):
        smtp_send(_settings(port, host="127.0.0.1"), _message("Fatura 12"))
    assert _subjects(inbox) == ["Fatura 12"]
    assert inbox.messages[0].get_content().strip() == "Olá, Fulano de Tal."


def test_starttls_and_login(trusted):
    with _server(tls_context=_server_context(trusted), require_starttls=True, auth_required=True,
                 authenticator=_authenticator) as (inbox, port):
        with pytest.raises(smtplib.SMTPSenderRefused, match="STARTTLS"):  # the server demands STARTTLS first
            smtp_send(_settings(port), _message("sem TLS"))
        with pytest.raises(smtplib.SMTPAuthenticationError):
            smtp_send(_settings(port, starttls=True, username="quita", password="errada"), _message("senha errada"))
        smtp_send(_settings(port, starttls=True, username="quita", password="s3nha"), _message("Fatura 13"))
    assert _subjects(inbox) == ["Fatura 13"]


def test_direct_ssl(trusted):
    with _server(ssl_context=_server_context(trusted)) as (inbox, port):
        smtp_send(_settings(port, ssl=True), _message("Fatura 14"))
    assert _subjects(inbox) == ["Fatura 14"]


def test_untrusted_certificate_is_refused(cert):
    """Without SSL_CERT_FILE the self-signed certificate is not trusted: nothing is sent."""
    with _server(ssl_context=_server_context(cert)) as (inbox, port):
        with pytest.raises(ssl.SSLCertVerificationError):
            smtp_send(_settings(port, ssl=True), _message("não confiável"))
    assert inbox.messages == []
