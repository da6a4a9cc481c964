"""SMTP delivery shared by the plugins that send e-mail through the outbox (receivables invoices,
fiscal documents, payables write-off notices).

`smtp_send(settings, message)` opens the SMTP client described by a plugin's e-mail settings and
sends one `email.message.EmailMessage`. The settings are any object with the attributes `host`,
`port`, `ssl` (direct SSL/TLS, port 465), `starttls`, `username`, `password` and
`timeout_seconds` — e.g. `[plugins.receivables.email]` or `[plugins.payables.email]`. Each plugin
keeps its own check and pt-BR message for a missing `host` (it names the plugin's settings
section) and calls this for the connection itself. Any refusal of the server raises
(`smtplib.SMTPException`, `OSError`): the outbox handler lets it propagate so the message is
retried with backoff.
"""

from __future__ import annotations

import smtplib
import ssl as ssl_module
from email.message import EmailMessage

__all__ = ["smtp_send"]


def smtp_send(settings, message: EmailMessage) -> None:
    """Connect to `settings.host` (SSL, or plain + optional STARTTLS), log in when a user is set,
    send `message` and close the connection; raises on any refusal."""
    if settings.ssl:
        client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout_seconds,
                                  context=ssl_module.create_default_context())
    else:
        client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout_seconds)
    with client:
        if settings.starttls:
            client.starttls(context=ssl_module.create_default_context())
        if settings.username:
            client.login(settings.username, settings.password or "")
        client.send_message(message)
