"""Table of the messages sent to a customer ("SMS, e-mail e Mensagens Enviadas").

`SentMessage` — one row per outbox message of kind e-mail (`plugins.receivables.mail`): who it
went to, the rendered subject and body, the invoices it was about, and how it went:

- status "enviado" with `sent_at` when the SMTP server accepted it;
- status "falhou" with the SMTP error in `error` while the outbox retries it (`attempts` counts
  the tries); a later success turns the same row into "enviado" (one row per outbox message,
  `outbox_id` unique).

Only e-mail exists today (`kind = "email"`); SMS and instant messages would use the same table
with another `kind`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow

KIND_EMAIL = "email"
MESSAGE_KINDS = ((KIND_EMAIL, "E-mail"),)

MESSAGE_SENT = "enviado"
MESSAGE_FAILED = "falhou"
MESSAGE_STATUSES = ((MESSAGE_SENT, "Enviado"), (MESSAGE_FAILED, "Falhou"))


class SentMessage(Base):
    """A message sent (or being retried) to a customer."""

    __tablename__ = "receivables_sent_message"
    __table_args__ = (Index("ix_receivables_sent_message_party", "party_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False)
    company_id: Mapped[int | None] = mapped_column(ForeignKey("company.id"))
    outbox_id: Mapped[int | None] = mapped_column(Integer, unique=True)
    kind: Mapped[str] = mapped_column(String(10), nullable=False, default=KIND_EMAIL)
    recipient: Mapped[str] = mapped_column(String(300), nullable=False)
    subject: Mapped[str] = mapped_column(String(300), nullable=False, default="")
    body: Mapped[str] = mapped_column(Text, nullable=False, default="")
    status: Mapped[str] = mapped_column(String(10), nullable=False)
    attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    error: Mapped[str | None] = mapped_column(Text)
    invoice_ids: Mapped[list[Any]] = mapped_column(JSON, nullable=False, default=list)
    sent_by: Mapped[str | None] = mapped_column(String(150))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
