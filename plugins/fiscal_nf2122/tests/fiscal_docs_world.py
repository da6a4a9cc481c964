"""Shared setup of the fiscal document tests: a runtime with receivables + fiscal_nf2122 (plan
"SCM" taxed by ICMS 25 %, PIS 0,65 %, COFINS 3 %), a company in SP, four customers (one in MG, one
PJ) with a contract each, billed for 2026-12 ⇒ four open invoices; an admin user."""

from __future__ import annotations

import types
from datetime import date, datetime, timezone

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.runtime import bootstrap
from tests.conftest import make_config

ENABLED = ["receivables", "fiscal_nf2122"]
SETTINGS = {"fiscal_nf2122": {"serie": "U", "plans": {
    "SCM": {"aliquota_icms": "25.00", "aliquota_pis": "0.6500", "aliquota_cofins": "3.0000",
            "classificacao": "0104", "codigo_servico": "SCM01"}}}}
CUSTOMERS = [  # name, person type, document, UF, plan
    ("Ana Souza", "PF", "52998224725", "SP", "F300"),
    ("Bruno Lima", "PF", "11144477735", "MG", "F300"),
    ("Carla Dias", "PF", "12345678909", "SP", "SCM"),
    ("Delta Telecom Ltda", "PJ", "11444777000161", "SP", "F300"),
]


def make_runtime(database_url: str, settings: dict | None = None):
    return bootstrap(make_config(database_url, enabled=ENABLED, plugin_settings=settings or SETTINGS))


def seed(runtime) -> types.SimpleNamespace:
    from core.auth import create_user
    from plugins.receivables.billing import run_billing
    from plugins.receivables.models import Invoice
    from plugins.receivables.tests.conftest import Factory

    with unit_of_work(runtime.engine) as s:
        f = Factory(s)
        company = f.company()
        company.uf, company.city, company.state_registration = "SP", "São Paulo", "110042490114"
        plans = {"F300": f.plan(), "SCM": f.plan(code="SCM", name="Link dedicado SCM", price="1000.00")}
        rule = f.due_rule()
        for name, kind, doc, uf, plan in CUSTOMERS:
            p = f.party(name)
            p.person_type, p.document, p.uf, p.city, p.street = kind, doc, uf, "Cidade", "Rua das Flores"
            p.number, p.cep, p.ibge_code, p.notes_1 = "10", "01001000", "3550308", f"obs de {name}"
            f.contract(p, company, plans[plan], rule)
        admin = create_user(s, "gerente", "senha-forte-123", is_admin=True)
        company_id = company.id
    assert run_billing(runtime, "2026-12")["invoices_created"] == 4
    with unit_of_work(runtime.engine, readonly=True) as s:
        invoices = list(s.scalars(select(Invoice).order_by(Invoice.id)))
    return types.SimpleNamespace(company_id=company_id, admin=admin, ids=[i.id for i in invoices],
                                 numbers={i.id: i.number for i in invoices}, totals=[i.total for i in invoices])


def at(day: date) -> datetime:
    """Noon in Brazil on `day`, as the aware UTC `now` the services take."""
    return datetime(day.year, day.month, day.day, 15, 0, tzinfo=timezone.utc)


@pytest.fixture
def rt(database_url):
    """The runtime of these tests (import it into the test module to use it)."""
    from tests.worldkit import runtime_maker

    with runtime_maker(make_runtime) as make:
        yield make(database_url)


def documents(runtime) -> list:
    """Every fiscal document, by id."""
    from plugins.fiscal_nf2122.models import FiscalDocument

    with unit_of_work(runtime.engine, readonly=True) as s:
        return list(s.scalars(select(FiscalDocument).order_by(FiscalDocument.id)))
