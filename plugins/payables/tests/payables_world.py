"""Shared set-up of the payables tests (test_payables_*.py): one company with a small chart
(fornecedores, three expense accounts, caixa and banco), cost centres, a histórico, a supplier
(PJ) and an administrator; runtimes with `[plugins.payables]` settings; the books' invariant."""

from __future__ import annotations

import dataclasses
from datetime import date
from decimal import Decimal

from sqlalchemy import select

from core.auth import create_user
from core.db import unit_of_work
from core.ledger.models import AccountingTemplate, CostCentre, JournalLine
from core.ledger.services import account_balance
from core.models.company import Company
from core.parties.models import Party
from plugins.payables.launch import LaunchRequest
from plugins.payables.models import PayableInstallment
from tests.conftest import make_config
from tests.worldkit import add_accounts

D = Decimal
SUPPLIER_CNPJ = "11444777000161"
EMISSION = date(2026, 11, 5)
CHART = (("2.1.01", "Fornecedores a pagar", "payable"), ("4.1.03", "Link de internet (atacado)", "expense"),
         ("4.1.04", "Energia elétrica", "expense"), ("4.1.05", "Aluguel de postes", "expense"),
         ("1.1.1.01", "Caixa geral", "cash"), ("1.1.1.02", "Banco do Brasil c/c", "bank"))


@dataclasses.dataclass
class World:
    company_id: int
    supplier_id: int
    accounts: dict[str, int]
    centres: dict[str, int]
    template_id: int
    admin: object

    def request(self, **kw) -> LaunchRequest:
        """The manual's launch: R$ 1.000,00 in 3 installments every 30 days, histórico 410."""
        base = dict(company_id=self.company_id, supplier_id=self.supplier_id, emission_date=EMISSION,
                    launch_date=EMISSION, total="1000,00", installments=3, term_days=30,
                    template_id=self.template_id, document="4512", series="1")
        return LaunchRequest(**{**base, **kw})


def make_runtime(make, database_url: str, **settings):
    return make(make_config(database_url, enabled=["payables"],
                            plugin_settings={"payables": settings} if settings else None), make_current=False)


def seed(engine) -> World:
    with unit_of_work(engine) as s:
        company = Company(code="1", name="Provedor 1 Ltda", cnpj="11222333000181")
        s.add(company)
        s.flush()
        supplier = Party(code=1, person_type="PJ", name="Atacado de Links S.A.", document=SUPPLIER_CNPJ,
                         classification="fornecedor", active=True)
        customer = Party(code=2, person_type="PRE", name="Maria (cliente)", classification="cliente", active=True)
        s.add_all([supplier, customer])
        ids = add_accounts(s, company.id, CHART)
        centres = {}
        for code, name in (("ADM", "Administrativo"), ("TEC", "Técnico"), ("COM", "Comercial")):
            c = CostCentre(company_id=company.id, code=code, name=name, active=True)
            s.add(c)
            s.flush()
            centres[code] = c.id
        tpl = AccountingTemplate(company_id=company.id, code="410", description="Compra de link de internet",
                                 debit_account_id=ids["4.1.03"], credit_account_id=ids["2.1.01"], active=True)
        s.add(tpl)
        admin = create_user(s, "gerente", "senha-muito-forte-1", is_admin=True)
        s.flush()
        return World(company.id, supplier.id, ids, centres, tpl.id, admin)


def open_installments_sum(s, company_id: int) -> Decimal:
    return sum(s.scalars(select(PayableInstallment.amount).where(PayableInstallment.company_id == company_id,
                                                                 PayableInstallment.status == "em_aberto")),
               D("0.00"))


def assert_books(s, w: World) -> None:
    """The ledger is balanced and the supplier account's credit balance = the open installments."""
    totals = s.execute(select(JournalLine.debit, JournalLine.credit)).all()
    assert sum((d for d, _c in totals), D("0.00")) == sum((c for _d, c in totals), D("0.00"))
    assert -account_balance(s, w.accounts["2.1.01"]) == open_installments_sum(s, w.company_id)
