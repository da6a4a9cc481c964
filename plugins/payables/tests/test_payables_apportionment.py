"""Rateio entre centros de custo of a launch: fixed / variable rules, "Não ratear diferença entre
centros de custo", and the entry lines per cost centre (real database)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from sqlalchemy import select

from core.db import unit_of_work
from core.errors import ValidationError
from core.ledger.models import CostCentre, JournalEntry
from plugins.payables.apportionment import KEEP_TYPED_LABEL
from plugins.payables.launch import launch_invoice, preview_launch
from plugins.payables.models import ApportionmentRule, ApportionmentShare
from plugins.payables.tests.payables_world import D, assert_books, make_runtime, seed
from tests.worldkit import runtime_maker


@pytest.fixture
def rt(database_url):
    from core.runtime import bootstrap

    with runtime_maker(bootstrap) as m:
        yield make_runtime(m, database_url)


def _rule(engine, w, kind, shares):
    with unit_of_work(engine) as s:
        rule = ApportionmentRule(template_id=w.template_id, kind=kind,
                                 shares=[ApportionmentShare(cost_centre_id=w.centres[c], percent=Decimal(p))
                                         for c, p in shares])
        s.add(rule)


def _preview(rt, w, **kw):
    with unit_of_work(rt.engine, readonly=True) as s:
        return preview_launch(s, w.request(**kw), runtime=rt)


def _error(rt, w, **kw) -> ValidationError:
    with pytest.raises(ValidationError) as exc:
        _preview(rt, w, **kw)
    return exc.value


def test_variable_percentages_apportion_the_difference_exactly(rt):
    w = seed(rt.engine)
    c = w.centres
    p = _preview(rt, w, total="100,00", installments=1,
                 cost_centres=[(c["ADM"], "33,3333"), (c["TEC"], "33,3333"), (c["COM"], "33,3334")])
    assert [x.amount for x in p.apportionment] == [D("33.33"), D("33.33"), D("33.34")]
    assert sum(x.amount for x in p.apportionment) == D("100.00")
    assert p.apportionment_kind == "variavel"
    assert "somam 90" in str(_error(rt, w, cost_centres=[(c["ADM"], "50"), (c["TEC"], "40")]))
    assert _error(rt, w, cost_centres=[(c["ADM"], "50"), (c["ADM"], "50")]).field == "cost_centres"


def test_entry_lines_carry_each_split_apportioned_by_centre(rt):
    w = seed(rt.engine)
    a, c = w.accounts, w.centres
    with unit_of_work(rt.engine) as s:
        inv = launch_invoice(s, w.request(debit_splits=[(a["4.1.03"], "700,00"), (a["4.1.04"], "300,00")],
                                          cost_centres=[(c["ADM"], "60"), (c["TEC"], "40")]), runtime=rt)
        entry = s.get(JournalEntry, inv.entry_id)
        got = [(ln.account_id, ln.cost_centre_id, ln.debit, ln.credit) for ln in entry.lines]
        assert got == [(a["4.1.03"], c["ADM"], D("420.00"), D("0.00")), (a["4.1.03"], c["TEC"], D("280.00"), D("0.00")),
                       (a["2.1.01"], None, D("0.00"), D("700.00")),
                       (a["4.1.04"], c["ADM"], D("180.00"), D("0.00")), (a["4.1.04"], c["TEC"], D("120.00"), D("0.00")),
                       (a["2.1.01"], None, D("0.00"), D("300.00"))]
        assert [(x.cost_centre_id, x.amount) for x in inv.apportionment] == [(c["ADM"], D("600.00")),
                                                                             (c["TEC"], D("400.00"))]
        assert_books(s, w)


def test_fixed_rule_shares_apply_and_cannot_be_changed(rt):
    w = seed(rt.engine)
    c = w.centres
    _rule(rt.engine, w, "fixo", [("ADM", "70"), ("TEC", "30")])
    p = _preview(rt, w)
    assert (p.apportionment_kind, [(x.cost_centre_id, x.amount) for x in p.apportionment]) == (
        "fixo", [(c["ADM"], D("700.00")), (c["TEC"], D("300.00"))])
    exc = _error(rt, w, cost_centres=[(c["ADM"], "50"), (c["TEC"], "50")])
    assert "rateio fixo" in str(exc) and exc.field == "cost_centres"
    exc = _error(rt, w, keep_typed_apportionment=True, cost_centres=[(c["ADM"], "500,00"), (c["TEC"], "500,00")])
    assert KEEP_TYPED_LABEL in str(exc) and "rateio variável" in str(exc)


def test_keep_typed_values_only_with_variable_rule_and_one_level(rt):
    w = seed(rt.engine)
    c = w.centres
    typed = [(c["ADM"], "333,00"), (c["TEC"], "667,00")]
    assert "rateio variável" in str(_error(rt, w, keep_typed_apportionment=True, cost_centres=typed))  # no rule
    _rule(rt.engine, w, "variavel", [("ADM", "50"), ("TEC", "50")])
    assert [x.amount for x in _preview(rt, w).apportionment] == [D("500.00"), D("500.00")]  # the rule's default
    p = _preview(rt, w, keep_typed_apportionment=True, cost_centres=typed)
    assert [(x.amount, x.percent) for x in p.apportionment] == [(D("333.00"), D("33.3000")), (D("667.00"), D("66.7000"))]
    exc = _error(rt, w, keep_typed_apportionment=True, cost_centres=[(c["ADM"], "333,00"), (c["TEC"], "600,00")])
    assert "R$ 933,00" in str(exc) and "R$ 1.000,00" in str(exc)
    with unit_of_work(rt.engine) as s:  # a second hierarchical level: the option is not available
        s.add(CostCentre(company_id=w.company_id, code="TEC.1", name="Rede", parent_id=c["TEC"], active=True))
    exc = _error(rt, w, keep_typed_apportionment=True, cost_centres=typed)
    assert "apenas um (1) nível hierárquico" in str(exc) and exc.field == "keep_typed_apportionment"


def test_template_cost_centre_is_the_default(rt):
    from core.ledger.models import AccountingTemplate

    w = seed(rt.engine)
    with unit_of_work(rt.engine) as s:
        s.get(AccountingTemplate, w.template_id).cost_centre_id = w.centres["COM"]
    p = _preview(rt, w)
    assert [(x.cost_centre_id, x.percent, x.amount) for x in p.apportionment] == [(w.centres["COM"], D(100), D("1000.00"))]
    assert {ln.cost_centre_id for ln in p.lines if ln.debit} == {w.centres["COM"]}
    with unit_of_work(rt.engine, readonly=True) as s:
        assert s.scalar(select(ApportionmentRule.id)) is None
