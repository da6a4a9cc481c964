"""Shared set-up of the accrual tests (test_accrual_*.py): a runtime whose receivables settings
point at a small chart of accounts, the chart itself, and ledger readers."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, select

from core.db import unit_of_work
from core.ledger.models import Account, JournalEntry, JournalLine
from core.ledger.services import account_balance, trial_balance
from core.runtime import bootstrap, set_current
from plugins.receivables.models import Invoice
from tests.conftest import make_config, truncate_all
from tests.worldkit import add_accounts

D = Decimal
# code, name, kind — the demo chart's codes (core.demo_master.CHART) plus juros e multas
CHART = (("1.1.01", "Caixa geral", "cash"), ("1.1.03", "Clientes a receber", "receivable"),
         ("3.1.01", "Receita de serviços de internet", "revenue"), ("3.1.02", "Acréscimos recebidos", "surcharge"),
         ("3.1.03", "Juros e multas recebidos", "revenue"), ("3.1.04", "Receita de link dedicado", "revenue"),
         ("4.1.02", "Descontos concedidos", "discount"))
# receivable_account_code / service_revenue_account_code keep their defaults (1.1.03 / 3.1.01)
SETTINGS = {"receivables": {"revenue_account_code": "3.1.03", "discount_account_code": "4.1.02",
                            "surcharge_account_code": "3.1.02", "interest_on_remainder_invoice": True,
                            "interest": {"daily_rate_percent": "1", "interest_grace_days": 2}}}


def make_runtime(database_url: str, settings: dict | None = None, modules: dict | None = None):
    modules = modules or {}
    config = make_config(database_url, enabled=["receivables", *modules],
                         plugin_settings=SETTINGS if settings is None else settings)
    return bootstrap(config, extra_plugins=modules, make_current=False)


@pytest.fixture(name="rt")
def accrual_rt(database_url):
    """A runtime with the receivables plugin on the test database, emptied afterwards
    (import it into a test module to get the `rt` fixture)."""
    made = make_runtime(database_url)
    yield made
    truncate_all(made.engine)
    made.dispose()
    set_current(None)


def add_chart(session, company_id: int) -> dict[str, int]:
    return add_accounts(session, company_id, CHART)


def balance(rt, company_id: int, code: str) -> Decimal:
    with unit_of_work(rt.engine, readonly=True) as s:
        acc = s.scalar(select(Account.id).where(Account.company_id == company_id, Account.code == code))
        return account_balance(s, acc)


def open_total(rt, company_id: int) -> Decimal:
    """What customers still owe: the totals of the open and suspended invoices."""
    with unit_of_work(rt.engine, readonly=True) as s:
        total = s.scalar(select(func.sum(Invoice.total)).where(Invoice.company_id == company_id,
                                                               Invoice.status.in_(("aberta", "suspensa"))))
        return D(total or 0).quantize(D("0.01"))


def trial(rt, company_id: int, start=date(2026, 1, 1), end=date(2027, 12, 31)):
    with unit_of_work(rt.engine, readonly=True) as s:
        return trial_balance(s, company_id, start=start, end=end)


def entries(rt, company_id: int, origin_kind: str | None = None) -> list[tuple]:
    """(number, date, description, origin_kind, origin_id, [(code, debit, credit, party_id)…]) oldest first."""
    with unit_of_work(rt.engine, readonly=True) as s:
        q = select(JournalEntry).where(JournalEntry.company_id == company_id)
        if origin_kind is not None:
            q = q.where(JournalEntry.origin_kind == origin_kind)
        out = []
        for e in s.scalars(q.order_by(JournalEntry.number)):
            lines = s.execute(select(Account.code, JournalLine.debit, JournalLine.credit, JournalLine.party_id)
                              .join(Account, Account.id == JournalLine.account_id)
                              .where(JournalLine.entry_id == e.id).order_by(JournalLine.line_no)).all()
            out.append((e.number, e.date, e.description, e.origin_kind, e.origin_id, [tuple(r) for r in lines]))
        return out
