"""Receivables tables: constraints, settings, migrations."""

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, inspect, select
from sqlalchemy.exc import IntegrityError

from core.config import parse_config
from core.db import unit_of_work
from core.errors import ConfigError, ValidationError
from core.plugins import load_plugins
from plugins.receivables.models import Charge, DueRule, Invoice


def _charge(party_id, company_id, contract_id=None, **kw):
    row = {"party_id": party_id, "company_id": company_id, "contract_id": contract_id,
           "description": "Mensalidade", "amount": Decimal("99.90"), "due_date": date(2027, 1, 10),
           "competence": date(2026, 12, 1), "status": "aberta", "origin": "contrato",
           "recurring_kind": "mensalidade", "installment": 1, "installments": 1}
    row.update(kw)
    return row


def test_tables_come_from_the_plugin_migration(runtime):
    with runtime.engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
    assert {"receivables_plan", "receivables_due_rule", "receivables_contract", "receivables_charge",
            "receivables_invoice", "receivables_contract_suspension", "alembic_version_receivables"} <= names


def test_one_recurring_charge_per_contract_and_competence(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, party = f.company(), f.party()
        contract = f.contract(party, company, f.plan(), f.due_rule())
        ids = (party.id, company.id, contract.id)
        s.execute(insert(Charge), [_charge(*ids)])
        # Charges without recurring kind (avulsas) may repeat for the same contract and month.
        s.execute(insert(Charge), [_charge(*ids, recurring_kind=None, origin="avulsa")] * 2)
    with pytest.raises(IntegrityError):
        with unit_of_work() as s:
            s.execute(insert(Charge), [_charge(*ids)])
    with unit_of_work(readonly=True) as s:
        assert s.scalar(select(func.count()).select_from(Charge)) == 3


def test_status_and_installment_checks(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        ids = (f.party().id, f.company().id)
    for bad in ({"status": "paga"}, {"installment": 3, "installments": 2}):
        with pytest.raises(IntegrityError):
            with unit_of_work() as s:
                s.execute(insert(Charge), [_charge(*ids, **bad)])


def test_invoice_number_unique_per_company(runtime, factory):
    with unit_of_work() as s:
        f = factory(s)
        company, party = f.company(), f.party()
        row = {"party_id": party.id, "company_id": company.id, "number": 1, "issue_date": date(2026, 12, 31),
               "due_date": date(2027, 1, 10), "total": Decimal("99.90"), "status": "aberta"}
        s.execute(insert(Invoice), [row])
    with pytest.raises(IntegrityError):
        with unit_of_work() as s:
            s.execute(insert(Invoice), [row])


def test_due_rule_validation(runtime):
    from core.doctype import service

    with unit_of_work() as s:
        with pytest.raises(ValidationError) as exc:
            service.create_doc(s, DueRule, {"code": "D40", "name": "Dia 40", "due_day": "40",
                                            "issue_days_before": "5", "competence_mode": "mes_seguinte"})
    assert "entre 1 e 31" in str(exc.value)


def test_money_is_stored_in_centavos(runtime, factory):
    from sqlalchemy import text

    with unit_of_work() as s:
        f = factory(s)
        plan = f.plan(price="99.90")
        raw = s.execute(text("SELECT price FROM receivables_plan WHERE id = :i"), {"i": plan.id}).scalar_one()
    assert raw == 9990


def test_settings_minimum_amount():
    cfg = parse_config({"plugins": {"enabled": ["receivables"], "receivables": {"minimum_amount": "10,00"}}})
    assert load_plugins(cfg).registry.settings["receivables"].minimum_amount == Decimal("10.00")
    bad = parse_config({"plugins": {"enabled": ["receivables"], "receivables": {"minimum_amount": "-1"}}})
    with pytest.raises(ConfigError, match=r"plugins.receivables.minimum_amount"):
        load_plugins(bad)
    typo = parse_config({"plugins": {"enabled": ["receivables"], "receivables": {"minimum": "1"}}})
    with pytest.raises(ConfigError, match=r"plugins.receivables.minimum"):
        load_plugins(typo)
