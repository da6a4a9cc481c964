"""Set-up of the cash-flow tests (test_payables_cashflow*.py): the write-off world (company, chart with
Caixa geral 1.1.1.01 and Banco do Brasil 1.1.1.02, the launched R$ 1.000,00 invoice in 3 installments
due 05/12/2026, 04/01/2027 and 03/02/2027 leaving from the bank) plus clientes 1.1.3.01, capital
2.3.01 and opening balances posted on 01/11/2026 (banco R$ 10.000,00, caixa R$ 500,00); runtimes
with payables only or with receivables too (bank_account_code = the bank)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.ledger.services import LineSpec, post_entry
from core.parties.models import Party
from core.runtime import bootstrap
from plugins.payables.tests.payables_writeoff_world import WoWorld, seed_writeoff
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker

D = Decimal
OPENING_DAY = date(2026, 11, 1)
RECEIVABLES = {"receivable_account_code": "1.1.3.01", "bank_account_code": "1.1.1.02"}
EXTRA_CHART = (("1.1.3.01", "Clientes", "receivable"), ("2.3.01", "Capital social", "equity"))


@dataclasses.dataclass
class CfWorld:
    ww: WoWorld
    party_id: int

    @property
    def company_id(self) -> int:
        return self.ww.w.company_id

    @property
    def bank(self) -> int:
        return self.ww.accounts["1.1.1.02"]

    @property
    def cash(self) -> int:
        return self.ww.accounts["1.1.1.01"]

    @property
    def admin(self):
        return self.ww.w.admin


def post(s, w: CfWorld, on: date, debit: int, credit: int, amount: str, text: str = "Lançamento manual") -> None:
    post_entry(s, company_id=w.company_id, date=on, description=text,
               lines=[LineSpec.dr(debit, amount), LineSpec.cr(credit, amount)])


def seed_cashflow(engine, rt) -> CfWorld:
    ww = seed_writeoff(engine, rt, retentions=False)
    with unit_of_work(engine) as s:
        ww.accounts.update(add_accounts(s, ww.w.company_id, EXTRA_CHART))
        customer = s.scalar(select(Party.id).where(Party.code == 2))  # payables_world's "Maria (cliente)"
        w = CfWorld(ww, customer)
        capital = ww.accounts["2.3.01"]
        post(s, w, OPENING_DAY, w.bank, capital, "10000.00", "Saldo inicial banco")
        post(s, w, OPENING_DAY, w.cash, capital, "500.00", "Saldo inicial caixa")
        return w


@pytest.fixture
def makers(database_url):
    """(payables-only runtime, payables + receivables runtime) — both over the test database."""
    with runtime_maker(bootstrap) as m:
        only = m(make_config(database_url, enabled=["payables"]), make_current=False)
        both = m(make_config(database_url, enabled=["payables", "receivables"],
                             plugin_settings={"receivables": RECEIVABLES}), make_current=False)
        yield only, both
