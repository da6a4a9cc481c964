"""Set-up of the write-off / reversal tests: the launch world (payables_world) plus the accounts the
write-off uses by default (juros 4.2.01, taxa 4.2.02, descontos obtidos 3.2.01), the operação
padrão "Abatimentos Obtidos" (histórico ABT ⇒ 3.2.02), the retention operations of the manual
(históricos 105 IRRF, 100 PIS, 101 COFINS, 102 CSLL: debit 2.1.09 retenções a apropriar, credit the
tax's "a recolher" account), a carrier and a launched invoice (R$ 1.000,00 in 3 installments,
category "Links", cash-flow account Banco do Brasil)."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.ledger.models import AccountingTemplate
from core.runtime import bootstrap
from plugins.payables.launch import launch_invoice
from plugins.payables.models import Carrier, PayableInstallment, PayableInvoice
from plugins.payables.tests.payables_world import World, make_runtime, seed
from tests.cli_runner import cli_invoker
from tests.worldkit import add_accounts, runtime_maker

WRITEOFF_CHART = (("4.2.01", "Juros e multas pagos", "expense"), ("4.2.02", "Tarifas e taxas financeiras", "expense"),
                  ("3.2.01", "Descontos obtidos", "revenue"), ("3.2.02", "Abatimentos obtidos", "revenue"),
                  ("2.1.09", "Retenções a apropriar", "liability"), ("2.1.05", "IRRF a recolher", "liability"),
                  ("2.1.06", "PIS a recolher", "liability"), ("2.1.07", "COFINS a recolher", "liability"),
                  ("2.1.08", "CSLL a recolher", "liability"))
RETENTION_TEMPLATES = (("105", "Retenção de IRRF", "2.1.05"), ("100", "Retenção de PIS", "2.1.06"),
                       ("101", "Retenção de COFINS", "2.1.07"), ("102", "Retenção de CSLL", "2.1.08"))
PAID_ON = date(2026, 12, 5)


@dataclasses.dataclass
class WoWorld:
    w: World
    invoice_id: int
    codes: list[int]          # installment codes 1..3 of the launch
    carrier_id: int

    @property
    def accounts(self):
        return self.w.accounts


def seed_writeoff(engine, rt, *, retentions: bool = True, **launch) -> WoWorld:
    w = seed(engine)
    with unit_of_work(engine) as s:
        w.accounts.update(add_accounts(s, w.company_id, WRITEOFF_CHART))
        a = w.accounts
        s.add(AccountingTemplate(company_id=w.company_id, code="ABT", description="Abatimentos Obtidos",
                                 debit_account_id=a["2.1.01"], credit_account_id=a["3.2.02"], active=True))
        if retentions:
            s.add_all([AccountingTemplate(company_id=w.company_id, code=code, description=text,
                                          debit_account_id=a["2.1.09"], credit_account_id=a[acc], active=True)
                       for code, text, acc in RETENTION_TEMPLATES])
        carrier = Carrier(code="BB", name="Banco do Brasil", active=True)
        s.add(carrier)
        s.flush()
        req = w.request(category="Links", create_category=True, cash_flow_account_id=a["1.1.1.02"], **launch)
        inv = launch_invoice(s, req, runtime=rt, user=w.admin)
        return WoWorld(w, inv.id, [p.code for p in inv.parcels], carrier.id)


@pytest.fixture
def make(database_url):
    with runtime_maker(bootstrap) as m:
        yield lambda **settings: make_runtime(m, database_url, **settings)


@pytest.fixture
def rt(make):
    """A payables runtime with the default settings, for the command-line tests."""
    return make()


@pytest.fixture
def cli(rt, database_url, tmp_path, monkeypatch):
    """`quita …` through Typer's runner with a real quita.toml (tests/cli_runner.py)."""
    return cli_invoker(rt, database_url, tmp_path, monkeypatch, ["payables"])


def inst(s, code: int) -> PayableInstallment:
    return s.scalar(select(PayableInstallment).where(PayableInstallment.code == code))


def invoice(s, ww: WoWorld) -> PayableInvoice:
    return s.get(PayableInvoice, ww.invoice_id)
