"""Tables of the reconciliation itself (`matching.py`, `suggestions.py`, `reconcile.py`).

- `Reconciliation`: one reconciliation of statement line(s) of a ledger bank account — who, when,
  origin ("automatica" / "sugestao" / "manual"); undone (desconciliada) rows stay as history
  (`undone_at`, `undone_by`). A statement line points at its current one
  (`StatementLine.reconciliation_id`, NULL = free).
- `ReconciliationItem`: one object it matched — an invoice and the settlement that paid it, the
  ledger entry of that settlement; or a transfer between accounts (`transfer_id`, `transfers.py`) —
  and what the reconciler did to it, so unreconciling undoes
  exactly that: `created_settlement` (it settled the invoice: unreconcile reverses that settlement)
  and `replaced_settlement_id` (a divergent settlement it reversed to settle again at the
  statement's date and value: unreconcile settles the invoice again as it was, "retornam ao status
  inicial").
- `Suggestion`: a candidate for a line, with its pass ("exata": value ± R$ 0,10; "aproximada":
  ± 10 %), its rank and the reasons that made it a candidate (JSON list), stored so the page shows
  why; recomputed (replaced) each time the line's suggestions are asked for.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

ORIGIN_AUTO = "automatica"
ORIGIN_SUGGESTION = "sugestao"
ORIGIN_MANUAL = "manual"
ORIGINS = ((ORIGIN_AUTO, "Automática"), (ORIGIN_SUGGESTION, "Sugestão"), (ORIGIN_MANUAL, "Manual"))

PASS_EXACT = "exata"
PASS_APPROX = "aproximada"


class Reconciliation(Base):
    """Statement line(s) of one bank account reconciled with system objects."""

    __tablename__ = "reconciliation_reconciliation"
    __table_args__ = (CheckConstraint("origin IN ('automatica', 'sugestao', 'manual')", name="origin_valid"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    bank_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False, index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    origin: Mapped[str] = mapped_column(String(12), nullable=False)
    posted_on: Mapped[date] = mapped_column(Date, nullable=False)  # the statement date of its line(s)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)  # sum of its statement lines
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    undone_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    undone_by: Mapped[int | None] = mapped_column(Integer)


class ReconciliationItem(Base):
    """One invoice (with its settlement and ledger entry) matched by a reconciliation."""

    __tablename__ = "reconciliation_item"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reconciliation_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_reconciliation.id"), nullable=False,
                                                   index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_invoice.id"), index=True)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_settlement.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    created_settlement: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    replaced_settlement_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_settlement.id"))
    # a transfer between accounts (transfers.py) instead of an invoice; `entry_id` is then its entry
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_transfer.id"), index=True)


class Suggestion(Base):
    """A ranked candidate of a statement line, with its reasons (JSON list of texts)."""

    __tablename__ = "reconciliation_suggestion"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_statement_line.id"), nullable=False, index=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False)
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_settlement.id"))
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    match_pass: Mapped[str] = mapped_column(String(12), nullable=False)
    candidate_date: Mapped[date] = mapped_column(Date, nullable=False)  # due date (open) / payment date (settled)
    candidate_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount_diff: Mapped[Decimal] = mapped_column(Money, nullable=False)  # statement − candidate
    days: Mapped[int] = mapped_column(Integer, nullable=False)  # statement date − candidate date
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
