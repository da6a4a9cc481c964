"""Cash flow, realizado (issue 6): unidentified deposits and the other ledger entries in flow accounts
("Outros lançamentos") beside write-offs, settlements and transfers — and nothing counted twice: with
"Transferências" each flow account's realizado closing balance is its ledger balance."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from core.db import unit_of_work
from core.ledger.services import account_balance
from core.runtime import bootstrap
from plugins.payables.cashflow import (ACTUAL, PLANNED, SOURCE_LABELS, SRC_DEPOSIT, SRC_OTHER, SRC_PAYABLES,
                                       SRC_RECEIVABLES, SRC_TRANSFER, cash_flow)
from plugins.payables.tests.payables_cashflow_world import RECEIVABLES, post, seed_cashflow
from plugins.payables.tests.payables_writeoff_world import inst
from plugins.payables.writeoff import WriteOffRequest, write_off
from plugins.receivables.deposits import cancel_deposit, register_deposit, settle_with_deposit
from plugins.receivables.models import Invoice
from plugins.receivables.settlement import settle_invoice
from plugins.receivables.settlement_models import METHOD_PROFILE
from plugins.receivables.tests.invoice_world import add_invoice
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker

D = Decimal
DEC = dict(date_from=date(2026, 12, 1), date_to=date(2026, 12, 31), period="mensal")


@pytest.fixture
def both(database_url):
    """Payables + receivables; the deposit's settlement needs the receivables discount account too."""
    settings = {**RECEIVABLES, "discount_account_code": "3.2.01", "revenue_account_code": "3.2.02"}
    with runtime_maker(bootstrap) as m:
        yield m(make_config(database_url, enabled=["payables", "receivables"],
                            plugin_settings={"receivables": settings}), make_current=False)


def _report(rt, w, **kw):
    with unit_of_work(rt.engine, readonly=True) as s:
        return cash_flow(s, runtime=rt, companies=[w.company_id], kind=ACTUAL, **DEC, **kw)


def test_deposits_and_other_entries_in_realizado(both):
    w = seed_cashflow(both.engine, both)
    with unit_of_work(both.engine) as s:
        w.ww.accounts.update(add_accounts(s, w.company_id, (("2.1.02", "Depósitos não identificados", "liability"),)))
        # an unidentified deposit: the money arrives on 03/12 …
        dep = register_deposit(s, company_id=w.company_id, deposited_on=date(2026, 12, 3), amount="150,00",
                               account=w.bank, description="PIX sem identificação", runtime=both, user=w.admin)
        # … and pays an invoice on 12/12, which moves no money
        invoice = add_invoice(s, w.company_id, w.party_id, total="150.00", due=date(2026, 12, 10))
        settle_with_deposit(s, s.get(Invoice, invoice), dep, paid_on=date(2026, 12, 12), runtime=both, user=w.admin)
        # a deposit registered by mistake and cancelled: in and out
        wrong = register_deposit(s, company_id=w.company_id, deposited_on=date(2026, 12, 21), amount="40,00",
                                 account=w.bank, description="Lançado em duplicidade", runtime=both, user=w.admin)
        cancel_deposit(s, wrong, on=date(2026, 12, 22), justification="Duplicidade", runtime=both, user=w.admin)
        # the other sources, to be sure nothing is counted twice
        write_off(s, inst(s, w.ww.codes[0]), WriteOffRequest(paid_on=date(2026, 12, 5), interest="5,00"),
                  runtime=both, user=w.admin)
        settled = add_invoice(s, w.company_id, w.party_id, total="99.90", due=date(2026, 12, 10))
        settle_invoice(s, s.get(Invoice, settled), paid_on=date(2026, 12, 10), method=METHOD_PROFILE,
                       bank_account_id=w.bank, runtime=both, user=w.admin)
        post(s, w, date(2026, 12, 15), w.cash, w.bank, "200.00", "Transferência banco ⇒ caixa")
        post(s, w, date(2026, 12, 20), w.ww.accounts["4.2.02"], w.bank, "12.50", "Tarifa bancária")
        post(s, w, date(2026, 12, 23), w.cash, w.ww.accounts["2.3.01"], "30.00", "Aporte em dinheiro")

    r = _report(both, w)
    total = r.summary(ACTUAL)
    assert total.source(SRC_DEPOSIT) == (D("190.00"), D("40.00"))
    assert total.source(SRC_OTHER) == (D("30.00"), D("12.50"))
    assert total.source(SRC_RECEIVABLES) == (D("99.90"), D("0.00"))    # the deposit's settlement moved no money
    assert total.source(SRC_PAYABLES) == (D("0.00"), D("338.34"))
    assert total.source(SRC_TRANSFER) == (D("0.00"), D("0.00"))        # not asked
    bank = r.cell(ACTUAL, w.bank, 0)
    assert (bank.inflow, bank.outflow) == (D("289.90"), D("390.84"))
    assert r.cell(ACTUAL, w.cash, 0).inflow == D("30.00")
    assert SOURCE_LABELS[SRC_DEPOSIT] == "Depósitos não identificados"
    assert SOURCE_LABELS[SRC_OTHER] == "Outros lançamentos"

    # with the transfers, the realizado is the ledger: closing = each account's balance on 31/12
    r = _report(both, w, include_transfers=True)
    with unit_of_work(both.engine, readonly=True) as s:
        for account in (w.bank, w.cash):
            assert r.cell(ACTUAL, account, 0).closing == account_balance(s, account, until=date(2026, 12, 31))
    assert r.cell(ACTUAL, w.bank, 0).closing == D("10000.00") + D("289.90") - D("390.84") - D("200.00")
    assert r.sources() == [SRC_RECEIVABLES, SRC_DEPOSIT, SRC_PAYABLES, SRC_TRANSFER, SRC_OTHER]

    # previsto has none of them (they are money already moved)
    with unit_of_work(both.engine, readonly=True) as s:
        planned = cash_flow(s, runtime=both, companies=[w.company_id], kind=PLANNED, **DEC)
    assert planned.summary(PLANNED).source(SRC_DEPOSIT) == (D("0.00"), D("0.00"))
    assert planned.summary(PLANNED).source(SRC_OTHER) == (D("0.00"), D("0.00"))
