"""The world of the reconciliation tests: a company with a chart (two banks, the receivables accounts),
a customer with a CPF, open invoices (`receivables` test builder) and statement lines imported from a
small OFX (`import_statement`), on a real runtime (SQLite or PostgreSQL)."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.models.company import Company
from core.parties.models import Party
from core.runtime import bootstrap
from plugins.receivables.models import Invoice
from plugins.receivables.settlement import settle_invoice
from plugins.receivables.tests.invoice_world import add_invoice
from plugins.reconciliation.models import StatementLine
from plugins.reconciliation.statement_import import import_statement
from plugins.reconciliation.tests.ofx_files import sgml, stmtrs, stmttrn
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker

D = Decimal
ENABLED = ["receivables", "reconciliation"]
ACCOUNTS = {"receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
            "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01"}
SETTINGS = {"receivables": ACCOUNTS}
CHART = (("1.1.1.01", "Banco Itaú", "bank"), ("1.1.1.02", "Banco Inter", "bank"),
         ("1.1.3.01", "Clientes", "receivable"), ("3.1.2.01", "Juros e multas recebidos", "revenue"),
         ("3.2.1.01", "Descontos concedidos", "discount"), ("3.1.3.01", "Acréscimos recebidos", "surcharge"))
CPF = "52998224725"


@dataclasses.dataclass
class World:
    company_id: int
    party_id: int
    other_party_id: int
    bank_id: int
    other_bank_id: int
    accounts: dict


def seed() -> World:
    with unit_of_work() as s:
        company = Company(code="1", name="Provedor", cnpj="11222333000181", uf="PE")
        s.add(company)
        s.flush()
        maria = Party(code=1, name="Maria da Silva", person_type="PRE", classification="cliente", active=True,
                      document=CPF)
        joao = Party(code=2, name="João Souza", person_type="PRE", classification="cliente", active=True)
        s.add_all([maria, joao])
        s.flush()
        accounts = add_accounts(s, company.id, CHART)
        return World(company.id, maria.id, joao.id, accounts["1.1.1.01"], accounts["1.1.1.02"], accounts)


def invoice(w: World, total: str, due: date, *, party_id: int | None = None, issue: date = date(2026, 11, 20)) -> int:
    with unit_of_work() as s:
        return add_invoice(s, w.company_id, party_id or w.party_id, total=total, issue=issue, due=due)


def number_of(invoice_id: int) -> int:
    with unit_of_work(readonly=True) as s:
        return s.get(Invoice, invoice_id).number


def settle(rt, w: World, invoice_id: int, paid_on: date, amount: str, bank_id: int | None = None) -> int:
    """Settle an invoice as the ERP does (outside the reconciler): the settlement id."""
    with unit_of_work() as s:
        out = settle_invoice(s, s.get(Invoice, invoice_id), paid_on=paid_on, amount=D(amount),
                             bank_account_id=bank_id or w.bank_id, runtime=rt)
        return out.settlement.id


def import_lines(w: World, *txns: tuple[str, str, str], bank_id: int | None = None, acctid="12345-6") -> list[int]:
    """Import an OFX with the lines (amount "100,00", date "20261210", memo); their ids, in order."""
    body = "".join(stmttrn(amount=a, fitid=f"{acctid}-{i}", posted=d, memo=m) for i, (a, d, m) in enumerate(txns))
    with unit_of_work() as s:
        import_statement(s, sgml(stmtrs(body, acctid=acctid)).encode("cp1252"), "extrato.ofx",
                         bank_account_id=bank_id or w.bank_id)
    with unit_of_work(readonly=True) as s:
        rows = s.execute(select(StatementLine.id, StatementLine.fitid).where(StatementLine.fitid.like(f"{acctid}-%"))
                         .order_by(StatementLine.id)).all()
    return [row_id for row_id, _fitid in rows][-len(txns):]


def protect(w: World, until: date | None) -> None:
    with unit_of_work() as s:
        s.get(Company, w.company_id).protect_before = until


@pytest.fixture
def rt(database_url):
    """The reconciliation tests' runtime (receivables + reconciliation with the world's accounts)."""
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=ENABLED, plugin_settings=SETTINGS))
