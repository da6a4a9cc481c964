"""Accrual links (contabilização por competência): which journal entry put an invoice's amount
into the receivables account (clientes), and which entry took it out when it was removed.

Written only by `plugins.receivables.accrual`. A row covers the invoices of ONE company with
numbers in [number_from, number_to] AND issue date `issue_date` — so a billing chunk writes one
row per entry (its numbers of a company are one contiguous range drawn in one transaction; the
issue date tells apart the invoices of different entries inside that range), never one row per
invoice. Kinds:

- "emissao": the entry that debited clientes on issuing (`entry_id`): a billing chunk's
  aggregated entry (many invoices, `invoice_id` empty) or one invoice's own entry (manual
  invoicing, alteration; `invoice_id` set);
- "saldo": the remainder invoice of a partial settlement (`invoice_id`): its balance was MOVED
  from the original invoice (not debited again); `entry_id` is its "Juros em R$" entry, if any;
- "exclusao": the entry (dated on the removal date) that credited clientes back when the invoice
  `invoice_id` was removed (`reversed_on` = that date) or its remainder dropped.

`amount` is what the row put in (or took out of) clientes. An invoice no "emissao"/"saldo" row
covers was never accounted (company without a chart of accounts, accrual off, or issued before
this table): removing it posts nothing.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base
from core.money import Money

KIND_ISSUE = "emissao"
KIND_REMAINDER = "saldo"
KIND_REMOVAL = "exclusao"


class InvoiceAccrual(Base):
    __tablename__ = "receivables_invoice_accrual"
    __table_args__ = (
        CheckConstraint("kind IN ('emissao', 'saldo', 'exclusao')", name="kind_valid"),
        CheckConstraint("number_from <= number_to", name="range_valid"),
        Index("ix_receivables_invoice_accrual_company_number", "company_id", "number_from"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    kind: Mapped[str] = mapped_column(String(10), nullable=False)
    issue_date: Mapped[date] = mapped_column(Date, nullable=False)
    number_from: Mapped[int] = mapped_column(Integer, nullable=False)
    number_to: Mapped[int] = mapped_column(Integer, nullable=False)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_invoice.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"), index=True)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    reversed_on: Mapped[date | None] = mapped_column(Date)
