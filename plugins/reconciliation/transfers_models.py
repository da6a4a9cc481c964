"""Tables of the transfers between accounts ("Transferência entre Contas", `transfers.py`).

- `Transfer`: money moved between two ledger bank/cash accounts of one company — emission date,
  amount, from ("Conta de Saída") and to ("Conta de Entrada") accounts, histórico, observação,
  optional cost centre — and the ledger entry that posts it now (D to / C from). Altering reverses
  that entry and posts a new one; deleting reverses it and keeps the row (`deleted_at`) as history.
  A statement line reconciled with a transfer has a `ReconciliationItem.transfer_id`.
- `TransferMemory`: the last-used fields of a user ("Histórico, Conta de Saída, Conta de Entrada e
  Centro de Custo do último lançamento ficarão gravadas, desde que … nos últimos 30 dias"), one row
  per (user, company), with the time they were saved.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money


class Transfer(Base):
    """A transfer between two bank/cash accounts of a company, posted to the ledger."""

    __tablename__ = "reconciliation_transfer"
    __table_args__ = (
        CheckConstraint("from_account_id <> to_account_id", name="accounts_differ"),
        Index("ix_reconciliation_transfer_issued_amount", "issued_on", "amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False, index=True)
    issued_on: Mapped[date] = mapped_column(Date, nullable=False)  # emission date = the entry's date
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)  # > 0
    from_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    to_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    description: Mapped[str] = mapped_column(String(255), nullable=False)  # histórico
    note: Mapped[str] = mapped_column(Text, nullable=False, default="")  # observação
    cost_centre_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_cost_centre.id"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))  # current entry (None once deleted)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(Integer)


class TransferMemory(Base):
    """The last-used transfer fields of a user in a company (kept 30 days)."""

    __tablename__ = "reconciliation_transfer_memory"
    __table_args__ = (UniqueConstraint("user_id", "company_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(Integer, nullable=False)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    from_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    to_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    description: Mapped[str] = mapped_column(String(255), nullable=False)
    cost_centre_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_cost_centre.id"))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
