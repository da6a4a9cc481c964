"""Tables of the invoice tools (`plugins.receivables.invoice_tools`): what happened to an invoice
besides its own columns.

- `RemovedInvoice` — "Faturas que foram excluídas": one row per removed invoice with who, when,
  the reason (motivo), the operator's comments and, when the removal came from "Alterar Fatura"
  (new due date or value), the invoice that replaced it.
- `InvoiceComment` — append-only comments ("Inserir comentários na fatura") with user and date.
- `InvoiceSuspension` — suspension periods of an invoice (reason, notes, who/when, lifted).
- `InvoiceSpcEntry` — internal marker "fatura adicionada ao SPC" (no SPC integration; the
  collections manager lists them, see `invoice_tools.spc_invoices`).
- `InvoiceRemessaMark` — log of the "remessa transmitida" mark being set or removed by hand
  (the flag itself is `Invoice.remessa_transmitted`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money


class RemovedInvoice(Base):
    """One removed invoice (status "excluida"), as shown in "Faturas que foram excluídas"."""

    __tablename__ = "receivables_removed_invoice"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, unique=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False, index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    number: Mapped[int] = mapped_column(Integer, nullable=False)
    total: Mapped[Decimal] = mapped_column(Money, nullable=False)
    removed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    removed_by: Mapped[str | None] = mapped_column(String(150))
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("reason.id"))
    reason_text: Mapped[str | None] = mapped_column(String(250))
    comments: Mapped[str | None] = mapped_column(Text)
    replaced_by_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_invoice.id"))


class InvoiceComment(Base):
    """A comment on an invoice; rows are only ever added."""

    __tablename__ = "receivables_invoice_comment"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, index=True)
    text: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    username: Mapped[str | None] = mapped_column(String(150))


class InvoiceSuspension(Base):
    """One suspension of an invoice; `lifted_at` is set when the suspension is cancelled."""

    __tablename__ = "receivables_invoice_suspension"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, index=True)
    reason_id: Mapped[int | None] = mapped_column(ForeignKey("reason.id"))
    reason_text: Mapped[str | None] = mapped_column(String(250))
    notes: Mapped[str | None] = mapped_column(String(500))
    suspended_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    suspended_by: Mapped[str | None] = mapped_column(String(150))
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by: Mapped[str | None] = mapped_column(String(150))


class InvoiceSpcEntry(Base):
    """The invoice was sent to the SPC (internal control only; one row per invoice)."""

    __tablename__ = "receivables_invoice_spc"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, unique=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False, index=True)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    added_by: Mapped[str | None] = mapped_column(String(150))


class InvoiceRemessaMark(Base):
    """The "remessa transmitida" mark set (`transmitted` true) or removed by an operator."""

    __tablename__ = "receivables_invoice_remessa_mark"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, index=True)
    transmitted: Mapped[bool] = mapped_column(Boolean, nullable=False)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    username: Mapped[str | None] = mapped_column(String(150))
