"""The payment profile's juros / multa / desconto feed the settlements `receivables` computes itself
(liquidação avulsa): `invoice_interest_terms` answered by bank_profiles, laid over the deployment's
interest policy (`interest.apply_terms`) before `compute_interest`. Numbers worked by hand."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.runtime import bootstrap
from hooks import hookimpl
from hooks.receivables import InterestTerms
from plugins.bank_profiles.models import Boleto
from plugins.bank_profiles.tests.profiles_world import ITAU, seed
from plugins.receivables import interest_hooks
from plugins.receivables.billing import run_billing
from plugins.receivables.interest import InterestPolicy, apply_terms, compute_charges
from plugins.receivables.models import Invoice
from plugins.receivables.settlement import settle_invoice
from plugins.receivables.settlement_models import METHOD_OTHER, Settlement
from plugins.receivables.tests.conftest import Factory
from tests.conftest import make_config
from tests.pluginkit import plugin_module
from tests.worldkit import runtime_maker

D = Decimal
# The deployment's own policy, far from the profile's so the test tells them apart:
# 0,2 % a day, 10 % multa, 0,1 % a day early-payment discount.
DEPLOYMENT = {"interest": {"daily_rate_percent": "0.2", "penalty_percent": "10", "discount_daily_percent": "0.1"}}
PROFILE_TERMS = dict(juros_percentual=D("1"), juros_tipo="mensal", multa_percentual=D("2"), desconto_valor=D("5.00"))
DUE = date(2027, 1, 10)  # billing 2026-12 with the factory's due rule; a Sunday (payable Monday 11/01)


def test_monthly_rate_is_divided_last_and_terms_replace_only_what_they_give():
    policy = InterestPolicy(daily_rate_percent=D("0.2"), penalty_percent=D("10"), discount_daily_percent=D("0.1"))
    terms = InterestTerms("perfil X", monthly_rate_percent=D("1"), penalty_percent=D("2"))
    got = compute_charges(D("99.90"), date(2026, 12, 10), date(2026, 12, 20), apply_terms(policy, terms))
    # juros 99,90 × 1 % × 10/30 = 0,333 ⇒ 0,33; multa 99,90 × 2 % = 1,998 ⇒ 2,00
    assert (got.days_late, got.interest, got.penalty, got.total) == (10, D("0.33"), D("2.00"), D("102.23"))
    # 45,00 × 1 % ÷ 30 × 1 day = 0,015 exactly ⇒ 0,02 (rate ÷ 30 first would give 0,01499… ⇒ 0,01)
    one_day = compute_charges(D("45.00"), date(2026, 12, 10), date(2026, 12, 11), apply_terms(policy, terms))
    assert one_day.interest == D("0.02")
    # no discount term: the deployment's per-day discount stays (5 days × 0,1 % × 99,90 = 0,4995 ⇒ 0,50)
    early = compute_charges(D("99.90"), date(2026, 12, 10), date(2026, 12, 5), apply_terms(policy, terms))
    assert early.discount == D("0.50")
    assert apply_terms(policy, None) is policy
    with pytest.raises(ValueError, match="juros ao mês ou ao dia, não os dois"):
        InterestTerms("perfil X", monthly_rate_percent=D("1"), daily_rate_percent=D("0.1"))
    with pytest.raises(ValueError, match="penalty_percent deve ser Decimal não negativo"):
        InterestTerms("perfil X", penalty_percent=2.0)


@pytest.fixture
def rt(database_url):
    with runtime_maker(bootstrap) as make:
        yield make(make_config(database_url, enabled=["receivables", "bank_profiles"],
                               plugin_settings={"receivables": DEPLOYMENT}))


def _bill(rt, **profile_terms) -> dict:
    """Three contracts billed for 2026-12 (R$ 99,90 due 10/01/2027): two on an Itaú profile with
    `profile_terms`, one without profile. Returns {"boleto": id, "boleto2": id, "plain": id}."""
    seed(Factory, contracts=3, profiles=({**ITAU, **profile_terms},), assign=[0, 0, None])
    assert run_billing(rt, "2026-12")["invoices_created"] == 3
    with unit_of_work(readonly=True) as s:
        first, second = s.scalars(select(Boleto.invoice_id).order_by(Boleto.nosso_numero)).all()
        other = s.scalar(select(Invoice.id).where(Invoice.id.not_in((first, second))))
        assert s.get(Invoice, first).due_date == DUE
    return {"boleto": first, "boleto2": second, "plain": other}


def _settle(rt, invoice_id: int, paid_on: date) -> tuple:
    with unit_of_work() as s:
        out = settle_invoice(s, s.get(Invoice, invoice_id), paid_on=paid_on, method=METHOD_OTHER, runtime=rt)
        st = s.get(Settlement, out.settlement.id)
        return st.amount, st.interest, st.penalty, st.discount


def test_late_manual_settlement_uses_the_profile_juros_and_multa(rt):
    inv = _bill(rt, **PROFILE_TERMS)
    paid_on = date(2027, 1, 20)  # 10 days after the (Sunday) due date
    # profile: juros 99,90 × 1 % a.m. × 10/30 = 0,333 ⇒ 0,33; multa 2 % = 1,998 ⇒ 2,00; total 102,23
    assert _settle(rt, inv["boleto"], paid_on) == (D("102.23"), D("0.33"), D("2.00"), D("0.00"))
    # no boleto: the deployment's 0,2 % a day × 10 = 1,998 ⇒ 2,00 and 10 % multa = 9,99
    assert _settle(rt, inv["plain"], paid_on) == (D("111.89"), D("2.00"), D("9.99"), D("0.00"))


def test_early_manual_settlement_gets_the_profile_discount(rt):
    inv = _bill(rt, **PROFILE_TERMS)
    paid_on = date(2027, 1, 5)  # 5 days early
    # profile: desconto R$ 5,00 up to the due date (replaces the per-day discount)
    assert _settle(rt, inv["boleto"], paid_on) == (D("94.90"), D("0.00"), D("0.00"), D("5.00"))
    # deployment: 5 days × 0,1 % × 99,90 = 0,4995 ⇒ 0,50
    assert _settle(rt, inv["plain"], paid_on) == (D("99.40"), D("0.00"), D("0.00"), D("0.50"))


def test_daily_profile_rate_and_a_profile_without_terms(rt):
    inv = _bill(rt, juros_percentual=D("0.05"), juros_tipo="diario")
    # juros 99,90 × 0,05 % × 10 days = 0,4995 ⇒ 0,50; no multa on the profile ⇒ the deployment's 10 %
    assert _settle(rt, inv["boleto"], date(2027, 1, 20)) == (D("110.39"), D("0.50"), D("9.99"), D("0.00"))


def test_hook_invoice_interest_terms(rt):
    """bank_profiles answers with its profile's terms for an invoice with a boleto and None without;
    a plugin registered later answers first (firstresult); a plain object is never asked."""
    inv = _bill(rt, **PROFILE_TERMS)
    with unit_of_work(readonly=True) as s:
        mine = rt.hook.invoice_interest_terms(session=s, invoice=s.get(Invoice, inv["boleto"]))
        assert mine == InterestTerms("perfil de pagamento «Itaú cobrança 109»", monthly_rate_percent=D("1"),
                                     penalty_percent=D("2"), on_time_discount=D("5.00"))
        assert rt.hook.invoice_interest_terms(session=s, invoice=s.get(Invoice, inv["plain"])) is None

    asked = []

    @hookimpl
    def invoice_interest_terms(session, invoice):
        asked.append(invoice.id)
        return InterestTerms("contrato com juros zero", monthly_rate_percent=D("0"), penalty_percent=D("0"))

    other = bootstrap(make_config(rt.config.database_url, enabled=["receivables", "bank_profiles", "zero_juros"],
                                  plugin_settings={"receivables": DEPLOYMENT}),
                      extra_plugins={"zero_juros": plugin_module("zero_juros",
                                                                 invoice_interest_terms=invoice_interest_terms)},
                      make_current=False)
    try:
        with unit_of_work(other.engine, readonly=True) as s:
            invoice = s.get(Invoice, inv["boleto"])
            got = interest_hooks.interest_for(other, invoice, date(2027, 1, 20))
            assert (got.interest, got.penalty, got.total) == (D("0.00"), D("0.00"), D("99.90"))
            from types import SimpleNamespace

            plain = SimpleNamespace(id=-1, total=D("99.90"), due_date=DUE)
            assert interest_hooks.interest_for(other, plain, date(2027, 1, 20)).penalty == D("9.99")
        assert asked == [inv["boleto"]]
    finally:
        other.dispose()


def test_profile_discount_on_the_next_business_day_and_no_interest_outside_crediario(rt):
    inv = _bill(rt, **PROFILE_TERMS)
    # due Sunday 10/01/2027, paid Monday 11/01: still on time ⇒ the profile's R$ 5,00 discount
    assert _settle(rt, inv["boleto"], date(2027, 1, 11)) == (D("94.90"), D("0.00"), D("0.00"), D("5.00"))
    # "cartão": the manual charges neither interest nor discount, only the multa (the profile's 2 %)
    with unit_of_work() as s:
        s.get(Invoice, inv["boleto2"]).payment_form = "cartao"
    assert _settle(rt, inv["boleto2"], date(2027, 1, 20)) == (D("101.90"), D("0.00"), D("2.00"), D("0.00"))
