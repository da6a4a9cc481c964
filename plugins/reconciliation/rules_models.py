"""User rules of the reconciliation ("Cadastro de Regras" of the manual), applied by `rules.py`.

`ReconciliationRule`: ordered by `sequence` within a company (first rule whose conditions all hold
wins). Conditions (all optional, all must hold): bank account (NULL = every account of the company),
direction (crédito / débito / ambos), absolute amount between `amount_min` and `amount_max`, memo or
payee containing `text` (case- and accent-insensitive) or matching the regex `text`, party (its
CPF/CNPJ digits or its code in the memo/payee). Actions:

- `conciliar` ("conciliar com candidatos"): the line's candidates are the open or settled invoices of
  the rule's party (any party without one) with value within ± `tolerance` of the line's and date
  within ± `days`; exactly one ⇒ reconciled (origin "regra"), several ⇒ they become the line's stored
  suggestions;
- `classificar` ("classificar em conta contábil"): posts D bank / C `ledger_account_id` (credit line)
  or D `ledger_account_id` / C bank (debit line, e.g. tarifas) for the line's amount on its date,
  with `description` (histórico) and the optional cost centre, and reconciles the line with an item
  pointing at that entry (`ReconciliationItem.rule_id`, `entry_id`).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from core.model import Base, UTCDateTime, utcnow
from core.money import Money

DIRECTION_CREDIT, DIRECTION_DEBIT, DIRECTION_BOTH = "credito", "debito", "ambos"
DIRECTIONS = ((DIRECTION_BOTH, "Crédito e débito"), (DIRECTION_CREDIT, "Crédito"), (DIRECTION_DEBIT, "Débito"))
TEXT_CONTAINS, TEXT_REGEX = "contem", "regex"
TEXT_MODES = (("", "Qualquer histórico"), (TEXT_CONTAINS, "Histórico contém"), (TEXT_REGEX, "Expressão regular"))
ACTION_MATCH, ACTION_CLASSIFY = "conciliar", "classificar"
ACTIONS = ((ACTION_CLASSIFY, "Classificar em conta contábil"), (ACTION_MATCH, "Conciliar com candidatos"))


class ReconciliationRule(Base):
    """One user rule (module docstring)."""

    __tablename__ = "reconciliation_rule"
    __table_args__ = (
        CheckConstraint("direction IN ('credito', 'debito', 'ambos')", name="direction_valid"),
        CheckConstraint("text_mode IN ('', 'contem', 'regex')", name="text_mode_valid"),
        CheckConstraint("action IN ('conciliar', 'classificar')", name="action_valid"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    company_id: Mapped[int] = mapped_column(ForeignKey("company.id"), nullable=False, index=True)
    name: Mapped[str] = mapped_column(String(80), nullable=False)
    sequence: Mapped[int] = mapped_column(Integer, nullable=False)
    active: Mapped[bool] = mapped_column(Boolean, nullable=False, default=True)
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))
    direction: Mapped[str] = mapped_column(String(8), nullable=False, default=DIRECTION_BOTH)
    amount_min: Mapped[Decimal | None] = mapped_column(Money)   # of the absolute value, centavos in the database
    amount_max: Mapped[Decimal | None] = mapped_column(Money)
    text_mode: Mapped[str] = mapped_column(String(8), nullable=False, default="")
    text: Mapped[str] = mapped_column(String(255), nullable=False, default="")
    party_id: Mapped[int | None] = mapped_column(ForeignKey("party.id"))
    action: Mapped[str] = mapped_column(String(12), nullable=False)
    # "classificar"
    ledger_account_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_account.id"))
    description: Mapped[str] = mapped_column(String(200), nullable=False, default="")
    cost_centre_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_cost_centre.id"))
    # "conciliar"
    tolerance: Mapped[Decimal] = mapped_column(Money, nullable=False, default=Decimal("0.00"))
    days: Mapped[int] = mapped_column(Integer, nullable=False, default=0)
    user_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, nullable=False)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
