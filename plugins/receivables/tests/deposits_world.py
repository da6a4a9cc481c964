"""Shared set-up of the unidentified-deposit tests (test_deposits_*.py): one company with a small
chart (bank, cash, clientes, juros, desconto, acréscimo and the "conta para depósito não
identificado"), a customer, an administrator, invoices and the balance helpers."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.auth import create_user
from core.db import unit_of_work
from core.ledger.models import JournalLine
from core.ledger.services import account_balance
from plugins.receivables.deposit_models import UnidentifiedDeposit
from plugins.receivables.tests.invoice_world import add_invoice
from tests.worldkit import add_accounts
from tests.worldkit import entry_lines as lines  # noqa: F401  (the deposit tests' name)

D = Decimal
DEPOSIT_ACCOUNT = "2.1.1.09"
ACCOUNTS = {"receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
            "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01",
            "unidentified_deposit_account_code": DEPOSIT_ACCOUNT}
# 1 % a day simple interest after 2 days of grace; 2 % penalty (as test_settlement.py).
INTEREST = {"daily_rate_percent": "1", "interest_grace_days": 2}
SETTINGS = {"receivables": {**ACCOUNTS, "interest": INTEREST}}
CHART = (("1.1.1.01", "Caixa geral", "cash"), ("1.1.1.02", "Banco do Brasil c/c", "bank"),
         ("1.1.3.01", "Clientes", "receivable"), ("3.1.2.01", "Juros e multas recebidos", "revenue"),
         ("3.2.1.01", "Descontos concedidos", "discount"), ("3.1.3.01", "Acréscimos recebidos", "surcharge"),
         (DEPOSIT_ACCOUNT, "Depósitos não identificados", "liability"))


@dataclasses.dataclass
class World:
    company_id: int
    party_id: int
    bank_id: int
    cash_id: int
    deposit_account_id: int
    admin: object


def seed(engine, factory, *, cnpj: str = "11222333000181", code: str = "1", username: str = "gerente") -> World:
    with unit_of_work(engine) as s:
        f = factory(s)
        company = f.company(code=code, cnpj=cnpj)
        party = f.party("Maria da Silva")
        ids = add_accounts(s, company.id, CHART)
        admin = create_user(s, username, "senha-muito-forte-1", is_admin=True)
        s.flush()
        return World(company.id, party.id, ids["1.1.1.02"], ids["1.1.1.01"], ids[DEPOSIT_ACCOUNT], admin)


def invoice(engine, w: World, total="99.90", issue=date(2026, 11, 30), due=date(2026, 12, 10),
            description="Fibra 300 Mega") -> int:
    with unit_of_work(engine) as s:
        return add_invoice(s, w.company_id, w.party_id, total, issue, due, description=description)


def open_sum(s, company_id: int) -> Decimal:
    return sum(s.scalars(select(UnidentifiedDeposit.amount).where(UnidentifiedDeposit.company_id == company_id,
                                                                  UnidentifiedDeposit.status == "aberto")),
               D("0.00"))


def assert_books(s, w: World) -> None:
    """The ledger is balanced and the deposit account's credit balance is the open deposits' sum."""
    totals = s.execute(select(JournalLine.debit, JournalLine.credit)).all()
    assert sum((d for d, _c in totals), D("0.00")) == sum((c for _d, c in totals), D("0.00"))
    assert -account_balance(s, w.deposit_account_id) == open_sum(s, w.company_id)
