"""Interest only for "Crediário": the forma de pagamento of an invoice (`Invoice.payment_form`).

Manual ("Desconto e juros"): "O cálculo de juros e desconto é efetuado somente para faturas que
tenham a forma de pagamento Crediário (4)"; ("Multa"): "O cálculo de Multa é efetuado para toda a
forma de pagamento, isto é, não somente para faturas que tenham a forma de pagamento Crediário (4)."
"""

from __future__ import annotations

import types
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.actions import run_action
from core.auth import create_user
from core.db import unit_of_work
from core.ledger.models import Account
from core.runtime import bootstrap, set_current
from plugins.receivables.interest import InterestPolicy
from plugins.receivables.interest_hooks import compute_interest
from plugins.receivables.invoicing import draw_numbers
from plugins.receivables.models import PAYMENT_FORMS, Charge, Invoice
from plugins.receivables.settlement_models import SettlementCharge
from tests.conftest import make_config, truncate_all

D = Decimal
# 1 % a day simple interest; 2 % penalty after 5 days of grace (the manual's multa example);
# 0,1 % a day early-payment discount.
POLICY = InterestPolicy(daily_rate_percent=D("1"), penalty_percent=D("2"), penalty_grace_days=5,
                        discount_daily_percent=D("0.1"))


def _inv(form: str, due: date, total: str = "100.00"):
    return types.SimpleNamespace(total=D(total), due_date=due, payment_form=form)


def test_payment_forms_are_the_manuals():
    assert [label for _v, label in PAYMENT_FORMS] == ["Chq. Vista", "Chq. Prazo", "Crediário", "Cartão", "Convênio",
                                                      "Financeira"]


def test_late_cartao_gets_the_penalty_but_no_interest():
    # Manual, multa: carência de 5 dias, vencimento 15/04/2010 — on 20/04 no penalty, on 21/04 charged.
    due = date(2010, 4, 15)
    assert compute_interest(_inv("cartao", due), date(2010, 4, 20), POLICY).penalty == D("0.00")
    cartao = compute_interest(_inv("cartao", due), date(2010, 4, 21), POLICY)
    crediario = compute_interest(_inv("crediario", due), date(2010, 4, 21), POLICY)
    assert (cartao.days_late, cartao.interest, cartao.penalty, cartao.total) == (6, D("0.00"), D("2.00"), D("102.00"))
    assert (crediario.interest, crediario.penalty, crediario.total) == (D("6.00"), D("2.00"), D("108.00"))
    for form in ("chq_vista", "chq_prazo", "convenio", "financeira"):
        other = compute_interest(_inv(form, due), date(2010, 4, 21), POLICY)
        assert (other.interest, other.penalty) == (D("0.00"), D("2.00")), form


def test_manuals_grace_example_charges_interest_only_for_crediario():
    # Manual, carência 2 dias: vencimento 12/08/2007, baixa 15/08/2007 ⇒ 3 dias de atraso, juros pelos 3 dias.
    policy = InterestPolicy(daily_rate_percent=D("1"), interest_grace_days=2)
    crediario = compute_interest(_inv("crediario", date(2007, 8, 12)), date(2007, 8, 15), policy)
    cheque = compute_interest(_inv("chq_vista", date(2007, 8, 12)), date(2007, 8, 15), policy)
    assert (crediario.interest_days, crediario.interest) == (3, D("3.00"))
    assert (cheque.days_late, cheque.interest, cheque.total) == (3, D("0.00"), D("100.00"))


def test_early_payment_discount_only_for_crediario():
    due = date(2026, 12, 10)
    assert compute_interest(_inv("crediario", due), date(2026, 12, 5), POLICY).discount == D("0.50")  # 5 × 0,1 %
    cartao = compute_interest(_inv("cartao", due), date(2026, 12, 5), POLICY)
    assert (cartao.discount, cartao.total) == (D("0.00"), D("100.00"))
    # an object without payment_form (another plugin's invoice-like) counts as crediário
    plain = types.SimpleNamespace(total=D("100.00"), due_date=due)
    assert compute_interest(plain, date(2026, 12, 5), POLICY).discount == D("0.50")


@pytest.fixture
def settle_rt(database_url):
    config = make_config(database_url, enabled=["receivables"], plugin_settings={"receivables": {
        "receivable_account_code": "1.1.3.01", "revenue_account_code": "3.1.2.01",
        "discount_account_code": "3.2.1.01", "surcharge_account_code": "3.1.3.01",
        "interest": {"daily_rate_percent": "1", "penalty_percent": "2"}}})
    rt = bootstrap(config, make_current=False)
    yield rt
    truncate_all(rt.engine)
    rt.dispose()
    set_current(None)


def test_settling_a_late_cartao_invoice_adds_only_the_penalty(settle_rt, factory):
    rt = settle_rt
    with unit_of_work(rt.engine) as s:
        f = factory(s)
        company, party = f.company(), f.party("Maria da Silva")
        accounts = {}
        for code, kind in (("1.1.1.01", "cash"), ("1.1.3.01", "receivable"), ("3.1.2.01", "revenue"),
                           ("3.2.1.01", "discount"), ("3.1.3.01", "surcharge")):
            acc = Account(company_id=company.id, code=code, name=code, kind=kind, is_synthetic=False, active=True)
            s.add(acc)
            s.flush()
            accounts[code] = acc.id
        admin = create_user(s, "gerente", "senha-muito-forte-1", is_admin=True)
        ids = {}
        for form in ("cartao", "crediario"):
            inv = Invoice(party_id=party.id, company_id=company.id, number=draw_numbers(s, company.id, 1),
                          issue_date=date(2026, 11, 30), due_date=date(2026, 12, 10), total=D("99.90"),
                          status="aberta", remessa_transmitted=False, remessa_write_off_pending=False,
                          payment_form=form)
            s.add(inv)
            s.flush()
            s.add(Charge(party_id=party.id, company_id=company.id, description="Mensalidade", amount=D("99.90"),
                         due_date=inv.due_date, competence=date(2026, 11, 1), status="faturada", invoice_id=inv.id,
                         origin="contrato"))
            ids[form] = inv.id
    # paid 10 days late (20/12/2026): juros 1 % × 10 × 99,90 = 9,99 only for crediário; multa 2 % = 2,00 for both
    result = run_action(rt, "receivables.invoice.settle", list(ids.values()),
                        {"method": "profile_aguardando_conciliacao", "paid_on": "20/12/2026",
                         "bank_account_id": accounts["1.1.1.01"]}, admin)
    assert result.done == list(ids.values())
    with unit_of_work(rt.engine, readonly=True) as s:
        def added(inv_id):
            return sorted(s.execute(select(SettlementCharge.kind, Charge.amount)
                                    .join(Charge, Charge.id == SettlementCharge.charge_id)
                                    .where(Charge.invoice_id == inv_id)).all())
        assert added(ids["cartao"]) == [("multa", D("2.00"))]
        assert added(ids["crediario"]) == [("juros", D("9.99")), ("multa", D("2.00"))]
        assert s.get(Invoice, ids["cartao"]).total == D("101.90")
        assert s.get(Invoice, ids["crediario"]).total == D("111.89")


def test_billed_invoices_default_to_crediario(runtime, factory):
    from plugins.receivables.billing import run_billing

    with unit_of_work(runtime.engine) as s:
        f = factory(s)
        company, plan, rule = f.company(), f.plan(), f.due_rule()
        f.contract(f.party("Ana"), company, plan, rule, activated_on=date(2026, 11, 1))
    assert run_billing(runtime, "2026-12")["invoices_created"] == 1
    with unit_of_work(runtime.engine, readonly=True) as s:
        assert [i.payment_form for i in s.scalars(select(Invoice))] == ["crediario"]
