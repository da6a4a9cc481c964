"""Settlement tables (liquidação de faturas): one row per settlement of an invoice, full or
partial, and the link to the charges (contas) the settlement added to the invoice.

Written only by `plugins.receivables.settlement`. Money is `core.money.Money` (integer centavos
in the database). A reversal (estorno) never deletes the row: it sets `reversed`, the reversal
date, account, justification and the ledger reversal entry.

Amounts of a settlement (all >= 0):
  amount = invoice_amount + interest + penalty + surcharge − discount
- `invoice_amount`: the part of the invoice's face value settled (the whole total, or in a
  partial settlement the principal paid; the rest went to `remainder_invoice_id`);
- `interest`, `penalty`: juros and multa (from the `compute_interest` hook);
- `surcharge`: acréscimos — protest cost, positive `before_settle` adjustments and the excess
  when the operator received more than was due;
- `discount`: descontos — early-payment discount, negative adjustments and the rest when the
  operator received less than was due.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

METHOD_PROFILE = "profile_aguardando_conciliacao"
METHOD_OTHER = "outros"
# Paid with an unidentified deposit (plugins.receivables.deposits): the money is already in the bank,
# so the settlement debits the "conta para depósito não identificado" instead of a bank account.
METHOD_DEPOSIT = "deposito_nao_identificado"
SETTLEMENT_METHODS = (
    (METHOD_PROFILE, "Profile bancária (aguarda conciliação)"),
    (METHOD_OTHER, "Outros (sem integração)"),
    (METHOD_DEPOSIT, "Depósito não identificado"),
)


class Settlement(Base):
    """One settlement (liquidação) of one invoice."""

    __tablename__ = "receivables_settlement"
    __table_args__ = (
        CheckConstraint("method IN ('profile_aguardando_conciliacao', 'outros', 'deposito_nao_identificado')",
                        name="method_valid"),
        CheckConstraint("amount > 0", name="amount_positive"),
        # bank reconciliation (plugins.reconciliation.matching): settlements by (payment date, amount)
        Index("ix_receivables_settlement_paid_on_amount", "paid_on", "amount"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("receivables_invoice.id"), nullable=False, index=True)
    party_id: Mapped[int] = mapped_column(ForeignKey("party.id"), nullable=False, index=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    method: Mapped[str] = mapped_column(String(40), nullable=False)
    paid_on: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    invoice_amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    interest: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    penalty: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    discount: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    surcharge: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))
    justification: Mapped[str | None] = mapped_column(Text)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    partial: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    remainder_invoice_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_invoice.id"))
    note: Mapped[str | None] = mapped_column(String(250))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    reversed: Mapped[bool] = mapped_column(Boolean, nullable=False, default=False)
    reversed_on: Mapped[date | None] = mapped_column(Date)
    reversal_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))
    reversal_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    reversal_justification: Mapped[str | None] = mapped_column(Text)
    reversed_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))


class SettlementCharge(Base):
    """A charge (juros, multa, desconto, acréscimo) a settlement added to its invoice; the
    reversal removes these charges."""

    __tablename__ = "receivables_settlement_charge"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    settlement_id: Mapped[int] = mapped_column(ForeignKey("receivables_settlement.id"), nullable=False, index=True)
    charge_id: Mapped[int] = mapped_column(ForeignKey("receivables_charge.id", ondelete="CASCADE"),
                                           nullable=False, unique=True)
    kind: Mapped[str] = mapped_column(String(20), nullable=False)
