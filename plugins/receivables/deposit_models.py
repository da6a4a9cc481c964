"""Unidentified deposits (depósitos não identificados): money that reached a bank/cash account
without a known payer, kept until an operator identifies the invoice it pays.

Written only by `plugins.receivables.deposits`. Money is `core.money.Money` (integer centavos in
the database). A deposit is never deleted:

- `aberto` — available to pay an invoice (a new deposit, or the rest of a larger one);
- `utilizado` — used by the settlement `settlement_id` (a larger deposit leaves a new open deposit
  with the rest, whose `origin_deposit_id` points back here);
- `cancelado` — cancelled by an operator (its entry reversed) or because the settlement that
  created it as a rest was reversed.

`entry_id` is the posting D bank / C "conta para depósito não identificado" of a registered
deposit; a rest deposit has none (its amount is still credited in that account by the original
posting). `cancel_entry_id` is the posting that took it out of that account again.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

DEPOSIT_OPEN = "aberto"
DEPOSIT_USED = "utilizado"
DEPOSIT_CANCELLED = "cancelado"
DEPOSIT_STATUSES = (
    (DEPOSIT_OPEN, "Aberto"),
    (DEPOSIT_USED, "Utilizado"),
    (DEPOSIT_CANCELLED, "Cancelado"),
)


class UnidentifiedDeposit(Base):
    """One unidentified deposit (lançamento de depósito não identificado) of a company."""

    __tablename__ = "receivables_unidentified_deposit"
    __table_args__ = (
        CheckConstraint("status IN ('aberto', 'utilizado', 'cancelado')", name="status_valid"),
        CheckConstraint("amount > 0", name="amount_positive"),
        Index("ix_receivables_unidentified_deposit_company_status", "company_id", "status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False)
    deposited_on: Mapped[date] = mapped_column(Date, nullable=False)
    amount: Mapped[Decimal] = mapped_column(Money, nullable=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_account.id"), nullable=False)
    description: Mapped[str] = mapped_column(String(250), nullable=False)
    document: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(12), nullable=False, default=DEPOSIT_OPEN)
    origin_deposit_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_unidentified_deposit.id"),
                                                          index=True)
    # the settlement that left this deposit as the rest of `origin_deposit_id`
    origin_settlement_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_settlement.id"), index=True)
    # the settlement that used this deposit (status "utilizado")
    settlement_id: Mapped[int | None] = mapped_column(ForeignKey("receivables_settlement.id"), index=True)
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
    user_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_on: Mapped[date | None] = mapped_column(Date)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("app_user.id"))
    cancel_justification: Mapped[str | None] = mapped_column(Text)
    cancel_entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entry.id"))
