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
  why; recomputed (replaced) each time the line's suggestions are asked for. Its target is exactly one
  of: a receivable (`invoice_id` [+ `settlement_id`]), a fatura a pagar (`payable_installment_id`
  [+ `payable_writeoff_id`], `payables_match.py`) or a transfer (`transfer_id`).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Integer, String, Text, false
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

ORIGIN_AUTO = "automatica"
ORIGIN_SUGGESTION = "sugestao"
ORIGIN_MANUAL = "manual"
ORIGIN_RULE = "regra"  # a user rule ("Cadastro de Regras", rules.py)
ORIGINS = ((ORIGIN_AUTO, "Automática"), (ORIGIN_SUGGESTION, "Sugestão"), (ORIGIN_MANUAL, "Manual"),
           (ORIGIN_RULE, "Regra"))

PASS_EXACT = "exata"
PASS_APPROX = "aproximada"


class Reconciliation(Base):
    """Statement line(s) of one bank account reconciled with system objects."""

    __tablename__ = "reconciliation_reconciliation"
    __table_args__ = (CheckConstraint("origin IN ('automatica', 'sugestao', 'manual', 'regra')",
                                      name="origin_valid"),)

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
    # batch credit (batch_credit.py): the group of settlements the bank credited as this one line —
    # `hooks.reconciliation.BatchCredit.key` / `.label` (e.g. "Retorno CB0101.RET (importação 12)")
    batch_key: Mapped[str | None] = mapped_column(String(120))
    batch_label: Mapped[str | None] = mapped_column(String(255))


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
    # `from_line.py`: the invoice / transfer / fatura a pagar was created by the reconciler from the line
    # ("Nova fatura a receber / a pagar", "Nova transferência"): unreconciling deletes it
    created_object: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False, server_default=false())
    # a fatura a pagar (payables, optional plugin: no foreign key) created and written off from a debit line
    payable_installment_id: Mapped[int | None] = mapped_column(Integer, index=True)
    payable_writeoff_id: Mapped[int | None] = mapped_column(Integer)
    # payables_reconcile.py: a divergent write-off the reconciler reversed to write the installment off again at
    # the statement's date and value (unreconcile writes it off again as it was); `created_settlement` = the
    # reconciler made `payable_writeoff_id` (unreconcile reverses it, reason "Desconciliação")
    replaced_payable_writeoff_id: Mapped[int | None] = mapped_column(Integer)
    # the user rule that made it (rules.py); with no invoice nor transfer, `entry_id` is the entry the
    # rule posted ("classificar em conta contábil"), reversed on unreconcile
    rule_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_rule.id"), index=True)


SUGGESTION_ONE_TARGET = ("(CASE WHEN invoice_id IS NULL THEN 0 ELSE 1 END) + "
                         "(CASE WHEN payable_installment_id IS NULL THEN 0 ELSE 1 END) + "
                         "(CASE WHEN transfer_id IS NULL THEN 0 ELSE 1 END) = 1")


class Suggestion(Base):
    """A ranked candidate of a statement line, with its reasons (JSON list of texts)."""

    __tablename__ = "reconciliation_suggestion"
    # exactly one target: a receivable (invoice [+ settlement]), a payable installment [+ write-off]
    # (payables_match.py) or a transfer between accounts
    __table_args__ = (CheckConstraint(SUGGESTION_ONE_TARGET, name="one_target"),
                      CheckConstraint("payable_writeoff_id IS NULL OR payable_installment_id IS NOT NULL",
                                      name="writeoff_has_installment"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    line_id: Mapped[int] = mapped_column(ForeignKey("reconciliation_statement_line.id"), nullable=False, index=True)
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_invoice.id"))
    # payables is optional: no foreign key (as in ReconciliationItem)
    payable_installment_id: Mapped[int | None] = mapped_column(Integer)
    payable_writeoff_id: Mapped[int | None] = mapped_column(Integer)
    transfer_id: Mapped[int | None] = mapped_column(ForeignKey("reconciliation_transfer.id"))
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_settlement.id"))
    rank: Mapped[int] = mapped_column(Integer, nullable=False)
    match_pass: Mapped[str] = mapped_column(String(12), nullable=False)
    candidate_date: Mapped[date] = mapped_column(Date, nullable=False)  # due date (open) / payment date (settled)
    candidate_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    amount_diff: Mapped[Decimal] = mapped_column(Money, nullable=False)  # statement − candidate
    days: Mapped[int] = mapped_column(Integer, nullable=False)  # statement date − candidate date
    reasons: Mapped[str] = mapped_column(Text, nullable=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
