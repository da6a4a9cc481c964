"""Set-up of the "nova fatura / transferência a partir do lançamento" tests: the reconciliation world
(`reconcile_world`) plus a cost centre, and — for the payables runtime — the supplier, the payables
accounts (fornecedores 2.1.01, link 4.1.03), the histórico 410 and the category "Links"."""

from __future__ import annotations

import dataclasses

import pytest

from core.db import unit_of_work
from core.ledger.models import AccountingTemplate, CostCentre, JournalLine
from core.parties.models import Party
from core.runtime import bootstrap
from plugins.reconciliation.tests.reconcile_world import ENABLED, SETTINGS, World, seed
from tests.conftest import make_config
from tests.worldkit import add_accounts, runtime_maker

PAYABLES_CHART = (("2.1.01", "Fornecedores a pagar", "payable"), ("4.1.03", "Link de internet (atacado)", "expense"))


@dataclasses.dataclass
class FromLineWorld:
    w: World
    centre_id: int
    supplier_id: int | None = None
    template_id: int | None = None


def seed_from_line(*, payables: bool = False) -> FromLineWorld:
    w = seed()
    with unit_of_work() as s:
        cc = CostCentre(company_id=w.company_id, code="ADM", name="Administrativo", active=True)
        s.add(cc)
        w.accounts.update(add_accounts(s, w.company_id, (("3.1.01", "Receita de serviços", "revenue"),)))
        s.flush()
        out = FromLineWorld(w, cc.id)
        if payables:
            from plugins.payables.models import FinancialCategory

            w.accounts.update(add_accounts(s, w.company_id, PAYABLES_CHART))
            supplier = Party(code=10, person_type="PJ", name="Atacado de Links S.A.", document="11444777000161",
                             classification="fornecedor", active=True)
            s.add(supplier)
            tpl = AccountingTemplate(company_id=w.company_id, code="410", description="Compra de link de internet",
                                     debit_account_id=w.accounts["4.1.03"], credit_account_id=w.accounts["2.1.01"],
                                     active=True)
            s.add_all([tpl, FinancialCategory(name="Links", active=True)])
            s.flush()
            out.supplier_id, out.template_id = supplier.id, tpl.id
        return out


def books_balanced() -> bool:
    from decimal import Decimal

    with unit_of_work(readonly=True) as s:
        rows = s.execute(JournalLine.__table__.select()).all()
        return sum((r.debit for r in rows), Decimal(0)) == sum((r.credit for r in rows), Decimal(0))


@pytest.fixture
def prt(database_url):
    """receivables + payables + reconciliation (`require_approval` off)."""
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=[*ENABLED, "payables"], plugin_settings=SETTINGS))


@pytest.fixture
def prt_approval(database_url):
    """Payables with "Usa aprovação de faturas": the write-off of an unapproved launch is refused."""
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=[*ENABLED, "payables"],
                               plugin_settings={**SETTINGS, "payables": {"require_approval": True}}))
